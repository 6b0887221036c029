package dev.forwardpass.api.quant;

import dev.forwardpass.api.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Every {@link DType} written from F32 as ggml's reference quantizers write it ({@code quantize_row_*_ref} of
 * ggml-quants.c, what {@code llama-quantize} uses without an importance matrix), so the bytes are ggml's. Block layouts
 * are described in {@link Dequantizer}.
 *
 * <p>Bit-exactness depends on doing ggml's float operations in its order and precision: every expression below is in
 * {@code float} where the C code is (an {@code int} operand is converted to float first, as C does), and the rounding
 * helpers are C's ({@code roundf} rounds halves away from zero, casts truncate, {@code nearest_int} is ggml's
 * add-a-magic-number trick).
 */
public final class Quantizer {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** ggml's GROUP_MAX_EPS: a group whose largest magnitude is below this is all zeros. */
    private static final float GROUP_MAX_EPS = 1e-15f;
    /** 1.5 * 2^23: adding it to a float of magnitude below 2^22 leaves the nearest integer in the low mantissa bits. */
    private static final float ROUNDING_MAGIC = 12582912f;

    private Quantizer() {}

    /** {@return {@code src} as {@code type}: {@code type.byteSize(src.length)} bytes} */
    public static byte[] quantize(DType type, float[] src) {
        byte[] out = new byte[Math.toIntExact(type.byteSize(src.length))];
        quantize(type, src, 0, src.length, MemorySegment.ofArray(out), 0);
        return out;
    }

    /**
     * Writes {@code count} elements of {@code src} from {@code srcOffset} on (whole blocks) as {@code type} into
     * {@code dst} from byte {@code offset} on.
     */
    public static void quantize(DType type, float[] src, int srcOffset, int count, MemorySegment dst, long offset) {
        if (count % type.blockSize() != 0) {
            throw new IllegalArgumentException(count + " elements are not whole " + type + " blocks");
        }
        KQuantScratch scratch = type == DType.Q4_K || type == DType.Q5_K || type == DType.Q6_K
                ? new KQuantScratch() : null;
        int blocks = count / type.blockSize();
        for (int b = 0; b < blocks; b++) {
            int x = srcOffset + b * type.blockSize();
            long block = offset + (long) b * type.blockBytes();
            switch (type) {
                case F32 -> dst.set(FLOAT, block, src[x]);
                case F16 -> dst.set(SHORT, block, toHalf(src[x]));
                case BF16 -> dst.set(SHORT, block, toBfloat16(src[x]));
                case Q8_0 -> q8_0(src, x, dst, block);
                case Q4_0 -> q4_0(src, x, dst, block);
                case Q4_1 -> q4_1(src, x, dst, block);
                case Q5_0 -> q5_0(src, x, dst, block);
                case Q5_1 -> q5_1(src, x, dst, block);
                case Q4_K -> kQuant(src, x, dst, block, 15, scratch);
                case Q5_K -> kQuant(src, x, dst, block, 31, scratch);
                case Q6_K -> q6_k(src, x, dst, block, scratch);
            }
        }
    }

    /**
     * {@return {@code value} as an F16, rounded to nearest even} (ggml's {@code GGML_FP32_TO_FP16}; a NaN becomes the
     * quiet NaN 0x7E00 with its sign)
     */
    public static short toHalf(float value) {
        if (Float.isNaN(value)) {
            return (short) ((Float.floatToRawIntBits(value) >>> 16 & 0x8000) | 0x7E00);
        }
        return Float.floatToFloat16(value);
    }

    /**
     * {@return {@code value} as a bfloat16, its upper 16 bits rounded to nearest even} (ggml's
     * {@code ggml_compute_fp32_to_bf16}; a NaN keeps its upper bits, made quiet)
     */
    public static short toBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) (bits >>> 16 | 64);
        }
        return (short) ((bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16);
    }

    /** ggml's {@code nearest_int}: the nearest integer, ties to even, for magnitudes below 2^22. */
    static int nearestInt(float value) {
        int bits = Float.floatToRawIntBits(value + ROUNDING_MAGIC);
        return (bits & 0x007fffff) - 0x00400000;
    }

    /** C's {@code roundf}: halves away from zero. */
    private static float roundf(float value) {
        return (float) Math.copySign(Math.floor(Math.abs((double) value) + 0.5), value);
    }

    private static float half(short bits) {
        return Float.float16ToFloat(bits);
    }

    // ---- 32-element blocks: one scale (and offset) per block, from its extremes

    private static void q8_0(float[] x, int at, MemorySegment y, long block) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[at + j]));
        }
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        y.set(SHORT, block, toHalf(d));
        for (int j = 0; j < 32; j++) {
            y.set(ValueLayout.JAVA_BYTE, block + 2 + j, (byte) roundf(x[at + j] * id));
        }
    }

    /** {@return the element of largest magnitude, the first of them on a tie} (Q4_0's and Q5_0's sign-keeping max) */
    private static float signedAbsMax(float[] x, int at) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[at + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    private static void q4_0(float[] x, int at, MemorySegment y, long block) {
        float d = signedAbsMax(x, at) / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        y.set(SHORT, block, toHalf(d));
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(15, (byte) (int) (x[at + j] * id + 8.5f));
            int xi1 = Math.min(15, (byte) (int) (x[at + 16 + j] * id + 8.5f));
            y.set(ValueLayout.JAVA_BYTE, block + 2 + j, (byte) (xi0 | xi1 << 4));
        }
    }

    private static float blockMin(float[] x, int at) {
        float min = Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            if (x[at + j] < min) {
                min = x[at + j];
            }
        }
        return min;
    }

    private static float blockMax(float[] x, int at) {
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            if (x[at + j] > max) {
                max = x[at + j];
            }
        }
        return max;
    }

    private static void q4_1(float[] x, int at, MemorySegment y, long block) {
        float min = blockMin(x, at);
        float d = (blockMax(x, at) - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        y.set(SHORT, block, toHalf(d));
        y.set(SHORT, block + 2, toHalf(min));
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(15, (byte) (int) ((x[at + j] - min) * id + 0.5f));
            int xi1 = Math.min(15, (byte) (int) ((x[at + 16 + j] - min) * id + 0.5f));
            y.set(ValueLayout.JAVA_BYTE, block + 4 + j, (byte) (xi0 | xi1 << 4));
        }
    }

    private static void q5_0(float[] x, int at, MemorySegment y, long block) {
        float d = signedAbsMax(x, at) / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        y.set(SHORT, block, toHalf(d));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(31, (byte) (int) (x[at + j] * id + 16.5f));
            int xi1 = Math.min(31, (byte) (int) (x[at + 16 + j] * id + 16.5f));
            y.set(ValueLayout.JAVA_BYTE, block + 6 + j, (byte) ((xi0 & 0xF) | (xi1 & 0xF) << 4));
            qh |= (xi0 >> 4 & 1) << j | (xi1 >> 4 & 1) << (j + 16);
        }
        y.set(INT, block + 2, qh);
    }

    private static void q5_1(float[] x, int at, MemorySegment y, long block) {
        float min = blockMin(x, at);
        float d = (blockMax(x, at) - min) / 31;
        float id = d != 0 ? 1.0f / d : 0.0f;
        y.set(SHORT, block, toHalf(d));
        y.set(SHORT, block + 2, toHalf(min));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int xi0 = (int) ((x[at + j] - min) * id + 0.5f) & 0xFF;
            int xi1 = (int) ((x[at + 16 + j] - min) * id + 0.5f) & 0xFF;
            y.set(ValueLayout.JAVA_BYTE, block + 8 + j, (byte) ((xi0 & 0xF) | (xi1 & 0xF) << 4));
            qh |= (xi0 >> 4 & 1) << j | (xi1 >> 4 & 1) << (j + 16);
        }
        y.set(INT, block + 4, qh);
    }

    // ---- 256-element super-blocks: a scale per group found by search, the scales quantized against their maximum

    /** The per-block working arrays of the K-quants, allocated once per call. */
    private static final class KQuantScratch {
        final int[] levels = new int[256];   // L: the chosen integer of every element
        final int[] candidate = new int[32]; // Laux: the levels of the scale being tried
        final float[] weights = new float[32];
        final float[] scales = new float[16];
        final float[] mins = new float[8];
    }

    /**
     * Q4_K ({@code maxLevel} 15) and Q5_K (31): eight groups of 32, each fitted with a scale and a minimum by
     * {@link #fitScaleAndMin}, then both quantized to 6 bits against the block's largest.
     */
    private static void kQuant(float[] x, int at, MemorySegment y, long block, int maxLevel, KQuantScratch s) {
        boolean five = maxLevel == 31;
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            int group = at + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += x[group + l] * x[group + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                s.weights[l] = avX + Math.abs(x[group + l]);
            }
            s.scales[j] = fitScaleAndMin(x, group, maxLevel, s, 32 * j, five ? -0.5f : -1f, 0.1f, five ? 15 : 20);
            if (s.scales[j] > maxScale) {
                maxScale = s.scales[j];
            }
            if (s.mins[j] > maxMin) {
                maxMin = s.mins[j];
            }
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        long packed = block + 4;                   // scales[12]
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * s.scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * s.mins[j]) & 0xFF);
            if (j < 4) {
                y.set(ValueLayout.JAVA_BYTE, packed + j, (byte) ls);
                y.set(ValueLayout.JAVA_BYTE, packed + j + 4, (byte) lm);
            } else {
                y.set(ValueLayout.JAVA_BYTE, packed + j + 4, (byte) ((ls & 0xF) | (lm & 0xF) << 4));
                orByte(y, packed + j - 4, (ls >> 4) << 6);
                orByte(y, packed + j, (lm >> 4) << 6);
            }
        }
        short d = toHalf(maxScale / 63.f);
        short dmin = toHalf(maxMin / 63.f);
        y.set(SHORT, block, d);
        y.set(SHORT, block + 2, dmin);
        // requantize every group against the scales as stored
        for (int j = 0; j < 8; j++) {
            float dj = half(d) * Dequantizer.kScale(y, packed, j, false);
            if (dj == 0) {
                continue;
            }
            float dm = half(dmin) * Dequantizer.kScale(y, packed, j, true);
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[at + 32 * j + ii] + dm) / dj);
                s.levels[32 * j + ii] = Math.max(0, Math.min(maxLevel, l));
            }
        }
        int[] levels = s.levels;
        if (!five) {
            long qs = block + 16;
            for (int j = 0; j < 256; j += 64) {
                for (int l = 0; l < 32; l++) {
                    y.set(ValueLayout.JAVA_BYTE, qs + l, (byte) (levels[j + l] | levels[j + l + 32] << 4));
                }
                qs += 32;
            }
            return;
        }
        long qh = block + 16;
        long ql = block + 48;
        y.asSlice(qh, 32).fill((byte) 0);
        int m1 = 1;
        int m2 = 2;
        for (int n = 0; n < 256; n += 64) {
            for (int j = 0; j < 32; j++) {
                int l1 = levels[n + j];
                if (l1 > 15) {
                    l1 -= 16;
                    orByte(y, qh + j, m1);
                }
                int l2 = levels[n + j + 32];
                if (l2 > 15) {
                    l2 -= 16;
                    orByte(y, qh + j, m2);
                }
                y.set(ValueLayout.JAVA_BYTE, ql + j, (byte) (l1 | l2 << 4));
            }
            m1 <<= 2;
            m2 <<= 2;
            ql += 32;
        }
    }

    private static void orByte(MemorySegment y, long offset, int bits) {
        y.set(ValueLayout.JAVA_BYTE, offset, (byte) (y.get(ValueLayout.JAVA_BYTE, offset) | bits));
    }

    /**
     * ggml's {@code make_qkx2_quants} for a group of 32 at {@code x[at..]} with {@code s.weights}: levels 0..maxLevel
     * such that {@code x ≈ scale * level - min}, found by trying {@code steps + 1} scales around the extremes' and
     * keeping the weighted least-squares fit of smallest error. Writes the levels to {@code s.levels[levelsAt..]} and
     * the minimum (as a positive offset) to {@code s.mins}; {@return the scale}.
     */
    private static float fitScaleAndMin(float[] x, int at, int maxLevel, KQuantScratch s, int levelsAt, float rmin,
            float rdelta, int steps) {
        int n = 32;
        float[] w = s.weights;
        int[] levels = s.levels;
        int[] candidate = s.candidate;
        float min = x[at];
        float max = x[at];
        float sumW = w[0];
        float sumX = sumW * x[at];
        for (int i = 1; i < n; i++) {
            if (x[at + i] < min) {
                min = x[at + i];
            }
            if (x[at + i] > max) {
                max = x[at + i];
            }
            sumW += w[i];
            sumX += w[i] * x[at + i];
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            Arrays.fill(levels, levelsAt, levelsAt + n, 0);
            s.mins[levelsAt / 32] = -min;
            return 0.f;
        }
        float iscale = maxLevel / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(maxLevel, nearestInt(iscale * (x[at + i] - min))));
            levels[levelsAt + i] = l;
            float diff = scale * l + min - x[at + i];
            bestError += w[i] * (diff * diff);
        }
        for (int is = 0; is <= steps; is++) {
            iscale = (rmin + rdelta * is + maxLevel) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(maxLevel, nearestInt(iscale * (x[at + i] - min))));
                candidate[i] = l;
                sumL += w[i] * l;
                sumL2 += w[i] * l * l;
                sumXL += w[i] * l * x[at + i];
            }
            float determinant = sumW * sumL2 - sumL * sumL;
            if (determinant > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / determinant;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / determinant;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * candidate[i] + thisMin - x[at + i];
                    error += w[i] * (diff * diff);
                }
                if (error < bestError) {
                    System.arraycopy(candidate, 0, levels, levelsAt, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        s.mins[levelsAt / 32] = -min;
        return scale;
    }

    private static void q6_k(float[] x, int at, MemorySegment y, long block, KQuantScratch s) {
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = fitSymmetricScale(x, at + 16 * ib, s.levels, 16 * ib);
            s.scales[ib] = scale;
            if (Math.abs(scale) > maxAbsScale) {
                maxAbsScale = Math.abs(scale);
                maxScale = scale;
            }
        }
        long ql = block;                           // ql[128]
        long qh = block + 128;                     // qh[64]
        long sc = block + 192;                     // scales: int8[16]
        if (maxAbsScale < GROUP_MAX_EPS) {
            y.asSlice(block, DType.Q6_K.blockBytes()).fill((byte) 0);
            return;
        }
        float iscale = -128.f / maxScale;
        short d = toHalf(1 / iscale);
        y.set(SHORT, block + 208, d);
        for (int ib = 0; ib < 16; ib++) {
            y.set(ValueLayout.JAVA_BYTE, sc + ib, (byte) Math.min(127, nearestInt(iscale * s.scales[ib])));
        }
        int[] levels = s.levels;
        for (int j = 0; j < 16; j++) {
            float dj = half(d) * y.get(ValueLayout.JAVA_BYTE, sc + j);
            if (dj == 0) {
                continue;
            }
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt(x[at + 16 * j + ii] / dj);
                levels[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
            }
        }
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                int q1 = levels[j + l] & 0xF;
                int q2 = levels[j + l + 32] & 0xF;
                int q3 = levels[j + l + 64] & 0xF;
                int q4 = levels[j + l + 96] & 0xF;
                y.set(ValueLayout.JAVA_BYTE, ql + l, (byte) (q1 | q3 << 4));
                y.set(ValueLayout.JAVA_BYTE, ql + l + 32, (byte) (q2 | q4 << 4));
                y.set(ValueLayout.JAVA_BYTE, qh + l, (byte) ((levels[j + l] >> 4) | (levels[j + l + 32] >> 4) << 2
                        | (levels[j + l + 64] >> 4) << 4 | (levels[j + l + 96] >> 4) << 6));
            }
            ql += 64;
            qh += 32;
        }
    }

    /**
     * ggml's {@code make_qx_quants} as Q6_K calls it (16 elements, levels -32..31, weights x², searching 18 scales
     * around the extreme's): writes the levels plus 32 to {@code levels[levelsAt..]}; {@return the scale}.
     */
    private static float fitSymmetricScale(float[] x, int at, int[] levels, int levelsAt) {
        int n = 16;
        int nmax = 32;
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[at + i]);
            if (ax > amax) {
                amax = ax;
                max = x[at + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            Arrays.fill(levels, levelsAt, levelsAt + n, 0);
            return 0.f;
        }
        float iscale = -nmax / max;
        float sumLX = 0;
        float sumL2 = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[at + i])));
            levels[levelsAt + i] = l + nmax;
            float w = x[at + i] * x[at + i];
            sumLX += w * x[at + i] * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0.0f;
        float best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[at + i])));
                float w = x[at + i] * x[at + i];
                sumLX += w * x[at + i] * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) {
                    int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[at + i])));
                    levels[levelsAt + i] = l + nmax;
                }
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }
}
