package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Dequantization.B16;
import static dev.forwardpass.backend.java.kernels.Dequantization.PARTS;
import static dev.forwardpass.backend.java.kernels.Dequantization.VECTORIZED_BLOCKS;
import static dev.forwardpass.backend.java.kernels.Dequantization.highNibbles;
import static dev.forwardpass.backend.java.kernels.Dequantization.shiftedLeft;
import static dev.forwardpass.backend.java.kernels.Dequantization.shiftedRight;
import static dev.forwardpass.backend.java.kernels.Dequantization.sixBits;
import static dev.forwardpass.backend.java.kernels.Elements.BITS16;
import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.I;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import dev.forwardpass.api.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The dot product of a row of weights of a block type with a row of F32 activations, computed on the blocks as they
 * are stored: the inner loop of a decode step's matmul, where the weights stream from memory once and must be
 * consumed as fast as memory delivers them. The quantized integers are widened to floats and multiplied by x in vector
 * lanes: Q8_0 and Q4_0 sum a block's products and add them with its scale in one multiply-add; Q4_K and Q6_K, whose
 * scales change every 32 or 16 values, first form the weights of a vector (one multiply or multiply-add). The lanes
 * are summed at the end in {@link VectorMath#sumLanes}'s order. The order of operations is fixed, so a row's result
 * does not depend on the thread or the rows around it. Other block types are dequantized into the workspace first
 * ({@link #fuses}).
 */
final class QuantizedDot {
    /** Bytes of a Q8_0 block: an F16 scale, 32 bytes. */
    private static final long Q8_0_BYTES = DType.Q8_0.blockBytes();
    /** Bytes of the floats of x that a Q8_0 block's weights multiply. */
    private static final long BLOCK_X_BYTES = (long) DType.Q8_0.blockSize() * Float.BYTES;
    /** Bytes of a Q4_0 block: an F16 scale, 16 bytes of two nibbles (its 32 values, as many floats of x). */
    private static final long Q4_0_BYTES = DType.Q4_0.blockBytes();

    private QuantizedDot() {}

    /** {@return whether {@code type} has a fused dot product here}; the others are dequantized first */
    static boolean fuses(DType type) {
        return VECTORIZED_BLOCKS && (type == DType.Q8_0 || type == DType.Q4_0 || type == DType.Q4_K
                || type == DType.Q6_K);
    }

    /**
     * {@return the dot product of n weights of {@code type} from byte {@code wAt} of w (whole blocks) with n floats
     * from byte {@code xAt} of x}, for a type that {@link #fuses}.
     *
     * @param lanes scratch for one vector: the Q4_K and Q6_K kernels store their sums there and add them up in scalar
     *     code ({@link VectorMath#sumStoredLanes}), as they are too big for the JIT to inline sumLanes into
     */
    static float dot(DType type, MemorySegment w, long wAt, MemorySegment x, long xAt, int n, MemorySegment lanes) {
        return switch (type) {
            case Q8_0 -> q8_0(w, wAt, x, xAt, n / 32);
            case Q4_0 -> q4_0(w, wAt, x, xAt, n / 32);
            case Q4_K -> {
                q4_k(w, wAt, x, xAt, n / 256, lanes, 0);
                yield VectorMath.sumStoredLanes(lanes, 0);
            }
            case Q6_K -> {
                q6_k(w, wAt, x, xAt, n / 256, lanes, 0);
                yield VectorMath.sumStoredLanes(lanes, 0);
            }
            default -> throw new IllegalArgumentException(type + " has no fused dot product");
        };
    }

    /** Blocks of an F16 scale and 32 signed bytes. */
    private static float q8_0(MemorySegment w, long wAt, MemorySegment x, long xAt, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = wAt + Q8_0_BYTES * b;
            acc = q8_0Block(w, block, x, xAt + BLOCK_X_BYTES * b).fma(scale(w, block), acc);
        }
        return VectorMath.sumLanes(acc);
    }

    /** {@return the products of a Q8_0 block's 32 integers with x from byte xb, summed in lanes}, its scale aside */
    private static FloatVector q8_0Block(MemorySegment w, long block, MemorySegment x, long xb) {
        FloatVector sum = FloatVector.zero(F);
        for (int c = 0; c < 2; c++) {
            ByteVector q = ByteVector.fromMemorySegment(B16, w, block + 2 + 16 * c, LE);
            for (int p = 0; p < PARTS; p++) {
                sum = ((FloatVector) q.convertShape(VectorOperators.B2F, F, p))
                        .fma(fromMemorySegment(F, x, xb + 64L * c + (long) p * F.vectorByteSize(), LE), sum);
            }
        }
        return sum;
    }

    /** Blocks of an F16 scale and 32 nibbles minus 8: elements 0..15 in the low nibbles, 16..31 in the high ones. */
    private static float q4_0(MemorySegment w, long wAt, MemorySegment x, long xAt, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = wAt + Q4_0_BYTES * b;
            acc = q4_0Block(w, block, x, xAt + BLOCK_X_BYTES * b).fma(scale(w, block), acc);
        }
        return VectorMath.sumLanes(acc);
    }

    /** {@return the products of a Q4_0 block's 32 integers with x from byte xb, summed in lanes}, its scale aside */
    private static FloatVector q4_0Block(MemorySegment w, long block, MemorySegment x, long xb) {
        ByteVector packed = ByteVector.fromMemorySegment(B16, w, block + 2, LE);
        FloatVector sum = FloatVector.zero(F);
        for (int p = 0; p < PARTS; p++) {
            IntVector bytes = (IntVector) packed.convertShape(VectorOperators.B2I, I, p);
            FloatVector low = (FloatVector) bytes.and(0x0F).sub(8).convert(VectorOperators.I2F, 0);
            FloatVector high = (FloatVector) bytes.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8)
                    .convert(VectorOperators.I2F, 0);
            long xp = xb + (long) p * F.vectorByteSize();
            sum = low.fma(fromMemorySegment(F, x, xp, LE), sum);
            sum = high.fma(fromMemorySegment(F, x, xp + 64, LE), sum);
        }
        return sum;
    }

    /** {@return the F16 scale at the start of a Q8_0 or Q4_0 block, in every lane} */
    private static FloatVector scale(MemorySegment w, long block) {
        return FloatVector.broadcast(F, Float.float16ToFloat(w.get(BITS16, block)));
    }

    /**
     * {@return how many rows of {@code type} a decode step multiplies at once ({@link #dotRows}): several rows far
     * apart are several streams through memory and several chains of multiply-adds, where one row's single chain (a
     * block's sum times its scale onto the accumulator) waits on itself}. Q8_0 four, Q4_0 two: with four rows its
     * loop, the nibbles' unpacking four times over, was too big for C2 to inline whole ({@code
     * NodeCountInliningCutoff}), and its vectors ran as heap objects. The K-quants one: a row already keeps four
     * chains of multiply-adds.
     */
    static int rowsAtOnce(DType type) {
        return switch (type) {
            case Q8_0 -> 4;
            case Q4_0 -> 2;
            default -> 1;
        };
    }

    /**
     * The dot products of {@link #rowsAtOnce} rows of n weights of {@code type} (from bytes {@code at0..at3} of w;
     * the addresses past that count are not read) with the n floats of x from its start, as vectors whose lanes are yet
     * to be summed, stored one after another from byte {@code sumsAt} of {@code sums}: each the accumulator of
     * {@link #dot} of its row, as the same operations run in the same order, side by side. Summed in
     * {@link VectorMath#sumLanes}'s order, each gives its row's bits of dot.
     */
    static void dotRows(DType type, MemorySegment w, long at0, long at1, long at2, long at3, MemorySegment x, int n,
                        MemorySegment sums, long sumsAt) {
        switch (type) {
            case Q8_0 -> q8_0Four(w, at0, at1, at2, at3, x, n / 32, sums, sumsAt);
            case Q4_0 -> q4_0Two(w, at0, at1, x, 0, n / 32, sums, sumsAt);
            case Q4_K -> q4_k(w, at0, x, 0, n / 256, sums, sumsAt);
            case Q6_K -> q6_k(w, at0, x, 0, n / 256, sums, sumsAt);
            default -> throw new IllegalArgumentException(type + " has no fused dot product");
        }
    }

    private static void q8_0Four(MemorySegment w, long at0, long at1, long at2, long at3, MemorySegment x, int blocks,
                                 MemorySegment sums, long sumsAt) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F), acc3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long xb = BLOCK_X_BYTES * b;
            long o = Q8_0_BYTES * b;
            acc0 = q8_0Block(w, at0 + o, x, xb).fma(scale(w, at0 + o), acc0);
            acc1 = q8_0Block(w, at1 + o, x, xb).fma(scale(w, at1 + o), acc1);
            acc2 = q8_0Block(w, at2 + o, x, xb).fma(scale(w, at2 + o), acc2);
            acc3 = q8_0Block(w, at3 + o, x, xb).fma(scale(w, at3 + o), acc3);
        }
        // the lanes are summed by the caller, sixteen rows at once: four sumLanes inlined here grew the compilation
        // past what C2 inlines into (NodeCountInliningCutoff), and the vectors passed to the calls left were boxed
        long v = F.vectorByteSize();
        acc0.intoMemorySegment(sums, sumsAt, LE);
        acc1.intoMemorySegment(sums, sumsAt + v, LE);
        acc2.intoMemorySegment(sums, sumsAt + 2 * v, LE);
        acc3.intoMemorySegment(sums, sumsAt + 3 * v, LE);
    }

    // x's start is a parameter although a decode step passes 0: C2 compiled this loop faster with it (2.8 against 3.2
    // ns a block, a 2048x768 weight in the L2), where q8_0Four ran faster without (2.2 against 2.5)
    private static void q4_0Two(MemorySegment w, long at0, long at1, MemorySegment x, long xAt, int blocks,
                                MemorySegment sums, long sumsAt) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long xb = xAt + BLOCK_X_BYTES * b;
            long o = Q4_0_BYTES * b;
            acc0 = q4_0Block(w, at0 + o, x, xb).fma(scale(w, at0 + o), acc0);
            acc1 = q4_0Block(w, at1 + o, x, xb).fma(scale(w, at1 + o), acc1);
        }
        acc0.intoMemorySegment(sums, sumsAt, LE);
        acc1.intoMemorySegment(sums, sumsAt + F.vectorByteSize(), LE);
    }

    /**
     * Blocks of 8 groups of 32 nibbles, each weight {@code d * scale * q - dmin * min} with the group's 6-bit scale and
     * minimum ({@link Dequantization#kScales}): the weights of a vector are formed in one multiply-add, then multiplied
     * by x into one of four accumulators (a group pair's low and high nibbles, first and second half).
     */
    private static void q4_k(MemorySegment w, long wAt, MemorySegment x, long xAt, int blocks,
                             MemorySegment lanes, long lanesAt) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        // one flat loop over the group pairs of all blocks: nested in a loop over the blocks, C2 compiled it slower
        float d = 0;
        float dmin = 0;
        long scales = 0;
        long mins = 0;
        for (int pair = 0; pair < 4 * blocks; pair++) {
            long block = wAt + 144L * (pair >>> 2);
            int group = 2 * (pair & 3);
            if (group == 0) { // a new block: its scales
                d = Float.float16ToFloat(w.get(BITS16, block));
                dmin = Float.float16ToFloat(w.get(BITS16, block + 2));
                scales = Dequantization.kScales(w, block + 4, false);
                mins = Dequantization.kScales(w, block + 4, true);
            }
            FloatVector d1 = FloatVector.broadcast(F, d * (int) (scales >>> 8 * group & 0xFF));
            FloatVector m1 = FloatVector.broadcast(F, -dmin * (int) (mins >>> 8 * group & 0xFF));
            FloatVector d2 = FloatVector.broadcast(F, d * (int) (scales >>> 8 * group + 8 & 0xFF));
            FloatVector m2 = FloatVector.broadcast(F, -dmin * (int) (mins >>> 8 * group + 8 & 0xFF));
            long qs = block + 16 + 16L * group;
            long xg = xAt + 64L * pair * Float.BYTES;
            ByteVector packed = ByteVector.fromMemorySegment(B16, w, qs, LE);
            ByteVector low = packed.and((byte) 0x0F);
            ByteVector high = highNibbles(packed);
            for (int p = 0; p < PARTS; p++) {
                long xp = xg + (long) p * F.vectorByteSize();
                acc0 = ((FloatVector) low.convertShape(VectorOperators.B2F, F, p)).fma(d1, m1)
                        .fma(fromMemorySegment(F, x, xp, LE), acc0);
                acc1 = ((FloatVector) high.convertShape(VectorOperators.B2F, F, p)).fma(d2, m2)
                        .fma(fromMemorySegment(F, x, xp + 128, LE), acc1);
            }
            packed = ByteVector.fromMemorySegment(B16, w, qs + 16, LE);
            low = packed.and((byte) 0x0F);
            high = highNibbles(packed);
            for (int p = 0; p < PARTS; p++) {
                long xp = xg + 64 + (long) p * F.vectorByteSize();
                acc2 = ((FloatVector) low.convertShape(VectorOperators.B2F, F, p)).fma(d1, m1)
                        .fma(fromMemorySegment(F, x, xp, LE), acc2);
                acc3 = ((FloatVector) high.convertShape(VectorOperators.B2F, F, p)).fma(d2, m2)
                        .fma(fromMemorySegment(F, x, xp + 128, LE), acc3);
            }
        }
        acc0.add(acc1).add(acc2.add(acc3)).intoMemorySegment(lanes, lanesAt, LE);
    }

    /**
     * Blocks of 256 six-bit values minus 32, each 16 with an 8-bit scale, all times an F16 ({@link Dequantization}'s
     * q6_k has the layout): each vector of values is multiplied by its scale and by x, into one of four accumulators
     * (the four values a position of a half gives).
     */
    private static void q6_k(MemorySegment w, long wAt, MemorySegment x, long xAt, int blocks,
                             MemorySegment lanes, long lanesAt) {
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        FloatVector acc4 = FloatVector.zero(F);
        // one flat loop over the 16-position chunks (two per half, four per block), as in q4_k
        for (int chunk = 0; chunk < 4 * blocks; chunk++) {
            long block = wAt + 210L * (chunk >>> 2);
            int half = (chunk >>> 1) & 1;
            int c = chunk & 1;
            long ql = block + 64L * half + 16 * c;
            long sc = block + 192 + 8L * half + c;
            float d = Float.float16ToFloat(w.get(BITS16, block + 208));
            ByteVector a = ByteVector.fromMemorySegment(B16, w, ql, LE);
            ByteVector b = ByteVector.fromMemorySegment(B16, w, ql + 32, LE);
            ByteVector h = ByteVector.fromMemorySegment(B16, w, block + 128 + 32L * half + 16 * c, LE);
            ByteVector q1 = sixBits(a.and((byte) 0x0F), shiftedLeft(h, 4));
            ByteVector q2 = sixBits(b.and((byte) 0x0F), shiftedLeft(h, 2));
            ByteVector q3 = sixBits(highNibbles(a), h);
            ByteVector q4 = sixBits(highNibbles(b), shiftedRight(h, 2));
            FloatVector s1 = FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc));
            FloatVector s2 = FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + 2));
            FloatVector s3 = FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + 4));
            FloatVector s4 = FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + 6));
            long xc = xAt + (256L * (chunk >>> 2) + 128L * half + 16L * c) * Float.BYTES;
            for (int p = 0; p < PARTS; p++) {
                long xp = xc + (long) p * F.vectorByteSize();
                acc1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).mul(s1)
                        .fma(fromMemorySegment(F, x, xp, LE), acc1);
                acc2 = ((FloatVector) q2.convertShape(VectorOperators.B2F, F, p)).mul(s2)
                        .fma(fromMemorySegment(F, x, xp + 128, LE), acc2);
                acc3 = ((FloatVector) q3.convertShape(VectorOperators.B2F, F, p)).mul(s3)
                        .fma(fromMemorySegment(F, x, xp + 256, LE), acc3);
                acc4 = ((FloatVector) q4.convertShape(VectorOperators.B2F, F, p)).mul(s4)
                        .fma(fromMemorySegment(F, x, xp + 384, LE), acc4);
            }
        }
        acc1.add(acc2).add(acc3.add(acc4)).intoMemorySegment(lanes, lanesAt, LE);
    }
}
