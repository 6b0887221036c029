package dev.forwardpass.api.quant;

import dev.forwardpass.api.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Every {@link DType} read as F32, element by element as ggml's {@code dequantize_row_*} computes it, in the same
 * float operations and order, so the values are bit for bit those of llama.cpp. The plain definition of each block
 * layout (offsets in bytes from the start of a block):
 *
 * <pre>
 * Q8_0  d:f16 @0, q:int8[32] @2                          y = q * d
 * Q4_0  d @0, nibbles[16] @2                              y = (nibble - 8) * d
 * Q4_1  d @0, m @2, nibbles[16] @4                        y = nibble * d + m
 * Q5_0  d @0, high bits:u32 @2, nibbles[16] @6            y = (nibble | high &lt;&lt; 4) - 16) * d
 * Q5_1  d @0, m @2, high bits @4, nibbles[16] @8          y = (nibble | high &lt;&lt; 4) * d + m
 *       (element j &lt; 16 is the low nibble of byte j, element j + 16 its high nibble; bit j of "high" is element j's)
 * Q4_K  d @0, dmin @2, scales[12] @4, nibbles[128] @16    8 groups of 32: y = d * scale * q - dmin * min
 * Q5_K  as Q4_K, high bits[32] @16, nibbles[128] @48      a fifth bit per value from the high bits
 * Q6_K  low nibbles[128] @0, high pairs[64] @128, scales:int8[16] @192, d @208   y = d * scale * (q - 32)
 * </pre>
 */
public final class Dequantizer {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Dequantizer() {}

    /** {@return {@code count} elements of {@code type} from byte {@code offset} of {@code src}, as F32} */
    public static float[] dequantize(DType type, MemorySegment src, long offset, int count) {
        float[] out = new float[count];
        dequantize(type, src, offset, out, 0, count);
        return out;
    }

    /**
     * Reads {@code count} elements of {@code type} (whole blocks) from byte {@code offset} of {@code src} into
     * {@code dst} from {@code dstOffset} on.
     */
    public static void dequantize(DType type, MemorySegment src, long offset, float[] dst, int dstOffset,
                                  int count) {
        if (count % type.blockSize() != 0) {
            throw new IllegalArgumentException(count + " elements are not whole " + type + " blocks");
        }
        int blocks = count / type.blockSize();
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * type.blockBytes();
            int y = dstOffset + b * type.blockSize();
            switch (type) {
                case F32 -> dst[y] = src.get(FLOAT, block);
                case F16 -> dst[y] = half(src, block);
                case BF16 -> dst[y] = Float.intBitsToFloat((src.get(SHORT, block) & 0xFFFF) << 16);
                case Q8_0 -> q8_0(src, block, dst, y);
                case Q4_0 -> q4_0(src, block, dst, y);
                case Q4_1 -> q4_1(src, block, dst, y);
                case Q5_0 -> q5_0(src, block, dst, y);
                case Q5_1 -> q5_1(src, block, dst, y);
                case Q4_K -> q4_k(src, block, dst, y);
                case Q5_K -> q5_k(src, block, dst, y);
                case Q6_K -> q6_k(src, block, dst, y);
            }
        }
    }

    /** {@return the F16 at byte {@code offset}, as F32} */
    public static float half(MemorySegment src, long offset) {
        return Float.float16ToFloat(src.get(SHORT, offset));
    }

    private static int u8(MemorySegment src, long offset) {
        return src.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    private static void q8_0(MemorySegment src, long block, float[] y, int at) {
        float d = half(src, block);
        for (int j = 0; j < 32; j++) {
            y[at + j] = src.get(ValueLayout.JAVA_BYTE, block + 2 + j) * d;
        }
    }

    private static void q4_0(MemorySegment src, long block, float[] y, int at) {
        float d = half(src, block);
        for (int j = 0; j < 16; j++) {
            int q = u8(src, block + 2 + j);
            y[at + j] = ((q & 0xF) - 8) * d;
            y[at + j + 16] = ((q >> 4) - 8) * d;
        }
    }

    private static void q4_1(MemorySegment src, long block, float[] y, int at) {
        float d = half(src, block);
        float m = half(src, block + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(src, block + 4 + j);
            y[at + j] = (q & 0xF) * d + m;
            y[at + j + 16] = (q >> 4) * d + m;
        }
    }

    private static void q5_0(MemorySegment src, long block, float[] y, int at) {
        float d = half(src, block);
        int high = src.get(INT, block + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(src, block + 6 + j);
            y[at + j] = (((q & 0xF) | ((high >>> j) << 4 & 0x10)) - 16) * d;
            y[at + j + 16] = (((q >> 4) | ((high >>> (j + 12)) & 0x10)) - 16) * d;
        }
    }

    private static void q5_1(MemorySegment src, long block, float[] y, int at) {
        float d = half(src, block);
        float m = half(src, block + 2);
        int high = src.get(INT, block + 4);
        for (int j = 0; j < 16; j++) {
            int q = u8(src, block + 8 + j);
            y[at + j] = ((q & 0xF) | ((high >>> j) << 4 & 0x10)) * d + m;
            y[at + j + 16] = ((q >> 4) | ((high >>> (j + 12)) & 0x10)) * d + m;
        }
    }

    /**
     * {@return the 6-bit scale (or, with {@code min}, the 6-bit minimum) of group {@code j} of a Q4_K or Q5_K block}:
     * groups 0..3 keep theirs in the low six bits of bytes j and j + 4; groups 4..7 in the nibbles of byte j + 4 with
     * the top two bits of bytes j - 4 and j.
     */
    public static int kScale(MemorySegment src, long scales, int j, boolean min) {
        if (j < 4) {
            return u8(src, scales + j + (min ? 4 : 0)) & 63;
        }
        int packed = u8(src, scales + j + 4);
        return min
                ? (packed >> 4) | ((u8(src, scales + j) >> 6) << 4)
                : (packed & 0xF) | ((u8(src, scales + j - 4) >> 6) << 4);
    }

    private static void q4_k(MemorySegment src, long block, float[] y, int at) {
        float d = half(src, block);
        float dmin = half(src, block + 2);
        long scales = block + 4;
        long qs = block + 16;
        for (int group = 0; group < 8; group += 2) {
            float d1 = d * kScale(src, scales, group, false);
            float m1 = dmin * kScale(src, scales, group, true);
            float d2 = d * kScale(src, scales, group + 1, false);
            float m2 = dmin * kScale(src, scales, group + 1, true);
            for (int l = 0; l < 32; l++) {
                int q = u8(src, qs + l);
                y[at + l] = d1 * (q & 0xF) - m1;
                y[at + 32 + l] = d2 * (q >> 4) - m2;
            }
            at += 64;
            qs += 32;
        }
    }

    private static void q5_k(MemorySegment src, long block, float[] y, int at) {
        float d = half(src, block);
        float dmin = half(src, block + 2);
        long scales = block + 4;
        long high = block + 16;
        long qs = block + 48;
        for (int group = 0; group < 8; group += 2) {
            float d1 = d * kScale(src, scales, group, false);
            float m1 = dmin * kScale(src, scales, group, true);
            float d2 = d * kScale(src, scales, group + 1, false);
            float m2 = dmin * kScale(src, scales, group + 1, true);
            int lowBit = 1 << group;
            for (int l = 0; l < 32; l++) {
                int q = u8(src, qs + l);
                int h = u8(src, high + l);
                y[at + l] = d1 * ((q & 0xF) + ((h & lowBit) != 0 ? 16 : 0)) - m1;
                y[at + 32 + l] = d2 * ((q >> 4) + ((h & lowBit << 1) != 0 ? 16 : 0)) - m2;
            }
            at += 64;
            qs += 32;
        }
    }

    private static void q6_k(MemorySegment src, long block, float[] y, int at) {
        float d = half(src, block + 208);
        long ql = block;
        long qh = block + 128;
        long sc = block + 192;
        for (int half = 0; half < 2; half++) {
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int low0 = u8(src, ql + l);
                int low1 = u8(src, ql + l + 32);
                int h = u8(src, qh + l);
                int q1 = ((low0 & 0xF) | ((h & 3) << 4)) - 32;
                int q2 = ((low1 & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                int q3 = ((low0 >> 4) | (((h >> 4) & 3) << 4)) - 32;
                int q4 = ((low1 >> 4) | (((h >> 6) & 3) << 4)) - 32;
                y[at + l] = d * src.get(ValueLayout.JAVA_BYTE, sc + is) * q1;
                y[at + l + 32] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 2) * q2;
                y[at + l + 64] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 4) * q3;
                y[at + l + 96] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 6) * q4;
            }
            at += 128;
            ql += 64;
            qh += 32;
            sc += 8;
        }
    }
}
