package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.I;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static dev.forwardpass.backend.java.kernels.VectorMath.VECTORIZED;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.quant.Dequantizer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Runs of whole blocks of ggml's block types decoded to F32 with the Vector API, giving the floats of
 * {@link Dequantizer} bit for bit (the same products and sums, each rounded once, in the same order): weight tiles
 * for a batched matmul, rows for the block types without a fused dot product, embedding rows. The layouts are in
 * Dequantizer's javadoc.
 *
 * <p>Bytes are read sixteen at a time (a 128-bit vector) and widened to floats {@link VectorMath#F}'s lanes at a time.
 * Nibbles and bit fields are cut out of 16-bit lanes: x86 has no shift of single bytes, and a shift of 16-bit lanes
 * gives the same bits wherever the mask that follows keeps only bits of the lane's own byte.
 */
final class Dequantization {
    /** Bytes of one load: a 128-bit vector. */
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    /** Float vectors that sixteen bytes widen to. */
    static final int PARTS = 16 / F.length();
    /** Whether the vector forms run: 16 lanes at most, so that sixteen bytes are whole vectors of floats. */
    static final boolean VECTORIZED_BLOCKS = VECTORIZED && F.length() <= 16;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);

    private Dequantization() {}

    /**
     * Decodes {@code count} elements of the block type {@code type} (whole blocks) to F32.
     *
     * @param src blocks of {@code type}, read from byte offset {@code srcByte}
     * @param dst F32, written from element index {@code dstIndex}
     */
    static void dequantize(MemorySegment src, DType type, long srcByte, MemorySegment dst, long dstIndex, int count) {
        if (!VECTORIZED_BLOCKS) {
            // without vectors the blocks are read through their definition itself
            MemorySegment.copy(Dequantizer.dequantize(type, src, srcByte, count), 0, dst, F32, dstIndex * Float.BYTES,
                    count);
            return;
        }
        int blocks = count / type.blockSize();
        long dstByte = dstIndex * Float.BYTES;
        // one loop per type, so that the type is decided once per run, not per block
        switch (type) {
            case Q8_0 -> {
                for (int b = 0; b < blocks; b++) {
                    q8_0(src, srcByte + 34L * b, dst, dstByte + 128L * b);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++) {
                    q4_0(src, srcByte + 18L * b, dst, dstByte + 128L * b);
                }
            }
            case Q4_1 -> {
                for (int b = 0; b < blocks; b++) {
                    q4_1(src, srcByte + 20L * b, dst, dstByte + 128L * b);
                }
            }
            case Q5_0 -> {
                for (int b = 0; b < blocks; b++) {
                    q5(src, srcByte + 22L * b, false, dst, dstByte + 128L * b);
                }
            }
            case Q5_1 -> {
                for (int b = 0; b < blocks; b++) {
                    q5(src, srcByte + 24L * b, true, dst, dstByte + 128L * b);
                }
            }
            case Q4_K -> {
                for (int b = 0; b < blocks; b++) {
                    qk(src, srcByte + 144L * b, false, dst, dstByte + 1024L * b);
                }
            }
            case Q5_K -> {
                for (int b = 0; b < blocks; b++) {
                    qk(src, srcByte + 176L * b, true, dst, dstByte + 1024L * b);
                }
            }
            case Q6_K -> {
                for (int b = 0; b < blocks; b++) {
                    q6_k(src, srcByte + 210L * b, dst, dstByte + 1024L * b);
                }
            }
            default -> throw new IllegalArgumentException(type + " is not a block type");
        }
    }

    /** y = q * d, for 32 signed bytes after the scale. */
    private static void q8_0(MemorySegment src, long block, MemorySegment dst, long out) {
        float d = Dequantizer.half(src, block);
        for (int c = 0; c < 2; c++) {
            ByteVector q = ByteVector.fromMemorySegment(B16, src, block + 2 + 16 * c, LE);
            for (int p = 0; p < PARTS; p++) {
                ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(d)
                        .intoMemorySegment(dst, out + (16L * c + (long) p * F.length()) * Float.BYTES, LE);
            }
        }
    }

    /** y = (nibble - 8) * d: low nibbles are elements 0..15, high nibbles 16..31. */
    private static void q4_0(MemorySegment src, long block, MemorySegment dst, long out) {
        float d = Dequantizer.half(src, block);
        ByteVector packed = ByteVector.fromMemorySegment(B16, src, block + 2, LE);
        ByteVector low = packed.and((byte) 0x0F).sub((byte) 8);
        ByteVector high = highNibbles(packed).sub((byte) 8);
        for (int p = 0; p < PARTS; p++) {
            long at = out + (long) p * F.vectorByteSize();
            ((FloatVector) low.convertShape(VectorOperators.B2F, F, p)).mul(d).intoMemorySegment(dst, at, LE);
            ((FloatVector) high.convertShape(VectorOperators.B2F, F, p)).mul(d)
                    .intoMemorySegment(dst, at + 16 * Float.BYTES, LE);
        }
    }

    /** y = nibble * d + m. */
    private static void q4_1(MemorySegment src, long block, MemorySegment dst, long out) {
        float d = Dequantizer.half(src, block);
        float m = Dequantizer.half(src, block + 2);
        ByteVector packed = ByteVector.fromMemorySegment(B16, src, block + 4, LE);
        ByteVector low = packed.and((byte) 0x0F);
        ByteVector high = highNibbles(packed);
        for (int p = 0; p < PARTS; p++) {
            long at = out + (long) p * F.vectorByteSize();
            ((FloatVector) low.convertShape(VectorOperators.B2F, F, p)).mul(d).add(m).intoMemorySegment(dst, at, LE);
            ((FloatVector) high.convertShape(VectorOperators.B2F, F, p)).mul(d).add(m)
                    .intoMemorySegment(dst, at + 16 * Float.BYTES, LE);
        }
    }

    /**
     * Q5_0 (y = (q - 16) * d) or, {@code withMin}, Q5_1 (y = q * d + m), where q is a nibble with bit j of the 32 high
     * bits above it. The high bits go into 32-bit lanes by a shift per lane: element j takes bit j to bit 4.
     */
    private static void q5(MemorySegment src, long block, boolean withMin, MemorySegment dst, long out) {
        float d = Dequantizer.half(src, block);
        float m = withMin ? Dequantizer.half(src, block + 2) : 0f;
        long fields = block + (withMin ? 4 : 2);
        int high = src.get(INT, fields);
        ByteVector packed = ByteVector.fromMemorySegment(B16, src, fields + 4, LE);
        ByteVector low = packed.and((byte) 0x0F);
        ByteVector upper = highNibbles(packed);
        IntVector lowBits = IntVector.broadcast(I, high << 4); // bit j of elements 0..15 at bit j + 4
        IntVector upperBits = IntVector.broadcast(I, high >>> 12); // bit j of elements 16..31 at bit j - 12
        for (int p = 0; p < PARTS; p++) {
            IntVector lane = IntVector.zero(I).addIndex(1).add(p * F.length());
            IntVector q0 = ((IntVector) low.convertShape(VectorOperators.B2I, I, p))
                    .or(lowBits.lanewise(VectorOperators.LSHR, lane).and(0x10));
            IntVector q1 = ((IntVector) upper.convertShape(VectorOperators.B2I, I, p))
                    .or(upperBits.lanewise(VectorOperators.LSHR, lane).and(0x10));
            long at = out + (long) p * F.vectorByteSize();
            if (withMin) {
                ((FloatVector) q0.convert(VectorOperators.I2F, 0)).mul(d).add(m).intoMemorySegment(dst, at, LE);
                ((FloatVector) q1.convert(VectorOperators.I2F, 0)).mul(d).add(m)
                        .intoMemorySegment(dst, at + 16 * Float.BYTES, LE);
            } else {
                ((FloatVector) q0.sub(16).convert(VectorOperators.I2F, 0)).mul(d).intoMemorySegment(dst, at, LE);
                ((FloatVector) q1.sub(16).convert(VectorOperators.I2F, 0)).mul(d)
                        .intoMemorySegment(dst, at + 16 * Float.BYTES, LE);
            }
        }
    }

    /**
     * Q4_K, or with {@code fifthBit} Q5_K: 8 groups of 32, y = d * scale * q - dmin * min, with q a nibble, for Q5_K
     * with bit {@code group} of the high-bit byte of its position l above it. Groups 2k and 2k + 1 share 32 bytes (the
     * low and the high nibbles).
     */
    private static void qk(MemorySegment src, long block, boolean fifthBit, MemorySegment dst, long out) {
        float d = Dequantizer.half(src, block);
        float dmin = Dequantizer.half(src, block + 2);
        long scales = kScales(src, block + 4, false);
        long mins = kScales(src, block + 4, true);
        long highBits = block + 16;
        for (int group = 0; group < 8; group += 2) {
            long qs = block + (fifthBit ? 48 : 16) + 16L * group;
            float d1 = d * (int) (scales >>> 8 * group & 0xFF);
            float m1 = dmin * (int) (mins >>> 8 * group & 0xFF);
            float d2 = d * (int) (scales >>> 8 * group + 8 & 0xFF);
            float m2 = dmin * (int) (mins >>> 8 * group + 8 & 0xFF);
            for (int c = 0; c < 2; c++) {
                ByteVector packed = ByteVector.fromMemorySegment(B16, src, qs + 16 * c, LE);
                ByteVector low = packed.and((byte) 0x0F);
                ByteVector high = highNibbles(packed);
                if (fifthBit) {
                    ByteVector h = ByteVector.fromMemorySegment(B16, src, highBits + 16 * c, LE);
                    low = low.or(bitToSixteen(h, group));
                    high = high.or(bitToSixteen(h, group + 1));
                }
                for (int p = 0; p < PARTS; p++) {
                    long at = out + (32L * group + 16 * c + (long) p * F.length()) * Float.BYTES;
                    ((FloatVector) low.convertShape(VectorOperators.B2F, F, p)).mul(d1).sub(m1)
                            .intoMemorySegment(dst, at, LE);
                    ((FloatVector) high.convertShape(VectorOperators.B2F, F, p)).mul(d2).sub(m2)
                            .intoMemorySegment(dst, at + 32 * Float.BYTES, LE);
                }
            }
        }
    }

    /**
     * Two halves of 128: y = d * scale * (q - 32), q a nibble of low bits with two high bits above it, 16 values per
     * scale. Position l of a half (0..31) gives four values, at l, l + 32, l + 64 and l + 96: the low and high nibbles
     * of low bytes l and l + 32, with bit pairs 0-1, 2-3, 4-5 and 6-7 of high byte l.
     */
    private static void q6_k(MemorySegment src, long block, MemorySegment dst, long out) {
        float d = Dequantizer.half(src, block + 208);
        for (int half = 0; half < 2; half++) {
            long ql = block + 64L * half;
            long qh = block + 128 + 32L * half;
            long sc = block + 192 + 8L * half;
            for (int c = 0; c < 2; c++) { // positions 16c..16c+15, of scale c (+2, +4, +6)
                ByteVector a = ByteVector.fromMemorySegment(B16, src, ql + 16 * c, LE);
                ByteVector b = ByteVector.fromMemorySegment(B16, src, ql + 32 + 16 * c, LE);
                ByteVector h = ByteVector.fromMemorySegment(B16, src, qh + 16 * c, LE);
                ByteVector q1 = sixBits(a.and((byte) 0x0F), shiftedLeft(h, 4));
                ByteVector q2 = sixBits(b.and((byte) 0x0F), shiftedLeft(h, 2));
                ByteVector q3 = sixBits(highNibbles(a), h);
                ByteVector q4 = sixBits(highNibbles(b), shiftedRight(h, 2));
                float s1 = d * src.get(ValueLayout.JAVA_BYTE, sc + c);
                float s2 = d * src.get(ValueLayout.JAVA_BYTE, sc + c + 2);
                float s3 = d * src.get(ValueLayout.JAVA_BYTE, sc + c + 4);
                float s4 = d * src.get(ValueLayout.JAVA_BYTE, sc + c + 6);
                for (int p = 0; p < PARTS; p++) {
                    long at = out + (128L * half + 16 * c + (long) p * F.length()) * Float.BYTES;
                    ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).mul(s1).intoMemorySegment(dst, at, LE);
                    ((FloatVector) q2.convertShape(VectorOperators.B2F, F, p)).mul(s2)
                            .intoMemorySegment(dst, at + 32 * Float.BYTES, LE);
                    ((FloatVector) q3.convertShape(VectorOperators.B2F, F, p)).mul(s3)
                            .intoMemorySegment(dst, at + 64 * Float.BYTES, LE);
                    ((FloatVector) q4.convertShape(VectorOperators.B2F, F, p)).mul(s4)
                            .intoMemorySegment(dst, at + 96 * Float.BYTES, LE);
                }
            }
        }
    }

    /**
     * {@return the eight 6-bit scales (or, with {@code mins}, minimums) of a Q4_K or Q5_K block, byte j holding group
     * j's}, from the 12 bytes at {@code scales}: {@link Dequantizer#kScale} for all eight groups at once, four bytes
     * at a time. Groups 0..3 keep theirs in the low six bits of bytes j (scales) and j + 4 (minimums); groups 4..7
     * in the low (scales) or high (minimums) nibbles of bytes 8..11, with the top two bits of bytes 0..3 or 4..7.
     */
    static long kScales(MemorySegment src, long scales, boolean mins) {
        int low = src.get(INT, scales + (mins ? 4 : 0)); // bytes 0..3 or 4..7
        int nibbles = src.get(INT, scales + 8); // bytes 8..11
        int groups0to3 = low & 0x3F3F3F3F;
        int groups4to7 = (mins ? nibbles >>> 4 : nibbles) & 0x0F0F0F0F | (low >>> 2) & 0x30303030;
        return groups0to3 & 0xFFFF_FFFFL | (long) groups4to7 << 32;
    }

    /** {@return Q6_K's values minus 32: the low four bits, with bits 4-5 from {@code high}, already in place} */
    static ByteVector sixBits(ByteVector low, ByteVector high) {
        return low.or(high.and((byte) 0x30)).sub((byte) 32);
    }

    /** {@return the high nibble of each byte, in its low four bits} */
    static ByteVector highNibbles(ByteVector packed) {
        return shiftedRight(packed, 4).and((byte) 0x0F);
    }

    /*
     * Shifts in 16-bit lanes: each byte's bits are its own but for the `by` bits at the end it was shifted towards,
     * which the caller masks off. (One-liners, so that the JIT inlines them wherever they are called: a vector returned
     * by a call that is not inlined is boxed, on the heap.)
     */

    /** {@return the bytes shifted left by {@code by} in 16-bit lanes} */
    static ByteVector shiftedLeft(ByteVector bytes, int by) {
        return bytes.reinterpretAsShorts().lanewise(VectorOperators.LSHL, by).reinterpretAsBytes();
    }

    /** {@return the bytes shifted right by {@code by} in 16-bit lanes} */
    static ByteVector shiftedRight(ByteVector bytes, int by) {
        return bytes.reinterpretAsShorts().lanewise(VectorOperators.LSHR, by).reinterpretAsBytes();
    }

    /** {@return 16 in each byte whose bit {@code bit} (0..7) is set, else 0} */
    static ByteVector bitToSixteen(ByteVector bytes, int bit) {
        return (bit <= 4 ? shiftedLeft(bytes, 4 - bit) : shiftedRight(bytes, bit - 4)).and((byte) 0x10);
    }
}
