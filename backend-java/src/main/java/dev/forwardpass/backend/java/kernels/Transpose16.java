package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static dev.forwardpass.backend.java.kernels.VectorMath.VECTORIZED;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

/**
 * Transposes of 16 x 16 floats in registers, for a matmul with 16 lanes (512-bit vectors): x into panels, a group's
 * sums out to the rows of the output, and the lane sums of 16 accumulators at once. Written out vector by vector, since a loop over an array of vectors would keep
 * them in memory.
 */
final class Transpose16 {
    /** Whether the transposes run: with 16 lanes (512-bit vectors) only. */
    static final boolean AVAILABLE = VECTORIZED && F.length() == 16;
    /** For the butterfly steps: lane j takes lane j - h (up) or j + h (down), and the lanes with bit h set. */
    private static final VectorShuffle<Float> SHIFT_UP_8 = shift16(-8);
    private static final VectorShuffle<Float> SHIFT_UP_4 = shift16(-4);
    private static final VectorShuffle<Float> SHIFT_UP_2 = shift16(-2);
    private static final VectorShuffle<Float> SHIFT_UP_1 = shift16(-1);
    private static final VectorShuffle<Float> SHIFT_DOWN_8 = shift16(8);
    private static final VectorShuffle<Float> SHIFT_DOWN_4 = shift16(4);
    private static final VectorShuffle<Float> SHIFT_DOWN_2 = shift16(2);
    private static final VectorShuffle<Float> SHIFT_DOWN_1 = shift16(1);
    private static final VectorMask<Float> HIGH_8 = high16(8);
    private static final VectorMask<Float> HIGH_4 = high16(4);
    private static final VectorMask<Float> HIGH_2 = high16(2);
    private static final VectorMask<Float> HIGH_1 = high16(1);

    private Transpose16() {}

    /**
     * Transposes 16 rows of 16 floats (from byte {@code srcAt}, rows {@code srcRowBytes} apart) into 16 rows of 16
     * (at byte {@code dstAt}, rows {@code dstRowBytes} apart), adding the 16 floats of {@code bias} at byte
     * {@code biasAt} to each unless bias is null. Four butterfly steps, h = 8, 4, 2, 1: rows i and i + h exchange
     * their lanes with bit h clear in one and set in the other (a lane shift and a blend each way), so that after
     * all four, row j holds lane j of every row. Only with 16 lanes ({@link #AVAILABLE}).
     */
    static void storeTransposed(MemorySegment dst, long dstAt, long dstRowBytes, MemorySegment src,
                                long srcAt, long srcRowBytes, MemorySegment bias, long biasAt) {
        FloatVector r0 = fromMemorySegment(F, src, srcAt, LE);
        FloatVector r1 = fromMemorySegment(F, src, srcAt + srcRowBytes, LE);
        FloatVector r2 = fromMemorySegment(F, src, srcAt + 2 * srcRowBytes, LE);
        FloatVector r3 = fromMemorySegment(F, src, srcAt + 3 * srcRowBytes, LE);
        FloatVector r4 = fromMemorySegment(F, src, srcAt + 4 * srcRowBytes, LE);
        FloatVector r5 = fromMemorySegment(F, src, srcAt + 5 * srcRowBytes, LE);
        FloatVector r6 = fromMemorySegment(F, src, srcAt + 6 * srcRowBytes, LE);
        FloatVector r7 = fromMemorySegment(F, src, srcAt + 7 * srcRowBytes, LE);
        FloatVector r8 = fromMemorySegment(F, src, srcAt + 8 * srcRowBytes, LE);
        FloatVector r9 = fromMemorySegment(F, src, srcAt + 9 * srcRowBytes, LE);
        FloatVector r10 = fromMemorySegment(F, src, srcAt + 10 * srcRowBytes, LE);
        FloatVector r11 = fromMemorySegment(F, src, srcAt + 11 * srcRowBytes, LE);
        FloatVector r12 = fromMemorySegment(F, src, srcAt + 12 * srcRowBytes, LE);
        FloatVector r13 = fromMemorySegment(F, src, srcAt + 13 * srcRowBytes, LE);
        FloatVector r14 = fromMemorySegment(F, src, srcAt + 14 * srcRowBytes, LE);
        FloatVector r15 = fromMemorySegment(F, src, srcAt + 15 * srcRowBytes, LE);
        FloatVector t;
        VectorShuffle<Float> up = SHIFT_UP_8;
        VectorShuffle<Float> down = SHIFT_DOWN_8;
        VectorMask<Float> high = HIGH_8;
        t = r0.blend(r8.rearrange(up), high); r8 = r0.rearrange(down).blend(r8, high); r0 = t;
        t = r1.blend(r9.rearrange(up), high); r9 = r1.rearrange(down).blend(r9, high); r1 = t;
        t = r2.blend(r10.rearrange(up), high); r10 = r2.rearrange(down).blend(r10, high); r2 = t;
        t = r3.blend(r11.rearrange(up), high); r11 = r3.rearrange(down).blend(r11, high); r3 = t;
        t = r4.blend(r12.rearrange(up), high); r12 = r4.rearrange(down).blend(r12, high); r4 = t;
        t = r5.blend(r13.rearrange(up), high); r13 = r5.rearrange(down).blend(r13, high); r5 = t;
        t = r6.blend(r14.rearrange(up), high); r14 = r6.rearrange(down).blend(r14, high); r6 = t;
        t = r7.blend(r15.rearrange(up), high); r15 = r7.rearrange(down).blend(r15, high); r7 = t;
        up = SHIFT_UP_4;
        down = SHIFT_DOWN_4;
        high = HIGH_4;
        t = r0.blend(r4.rearrange(up), high); r4 = r0.rearrange(down).blend(r4, high); r0 = t;
        t = r1.blend(r5.rearrange(up), high); r5 = r1.rearrange(down).blend(r5, high); r1 = t;
        t = r2.blend(r6.rearrange(up), high); r6 = r2.rearrange(down).blend(r6, high); r2 = t;
        t = r3.blend(r7.rearrange(up), high); r7 = r3.rearrange(down).blend(r7, high); r3 = t;
        t = r8.blend(r12.rearrange(up), high); r12 = r8.rearrange(down).blend(r12, high); r8 = t;
        t = r9.blend(r13.rearrange(up), high); r13 = r9.rearrange(down).blend(r13, high); r9 = t;
        t = r10.blend(r14.rearrange(up), high); r14 = r10.rearrange(down).blend(r14, high); r10 = t;
        t = r11.blend(r15.rearrange(up), high); r15 = r11.rearrange(down).blend(r15, high); r11 = t;
        up = SHIFT_UP_2;
        down = SHIFT_DOWN_2;
        high = HIGH_2;
        t = r0.blend(r2.rearrange(up), high); r2 = r0.rearrange(down).blend(r2, high); r0 = t;
        t = r1.blend(r3.rearrange(up), high); r3 = r1.rearrange(down).blend(r3, high); r1 = t;
        t = r4.blend(r6.rearrange(up), high); r6 = r4.rearrange(down).blend(r6, high); r4 = t;
        t = r5.blend(r7.rearrange(up), high); r7 = r5.rearrange(down).blend(r7, high); r5 = t;
        t = r8.blend(r10.rearrange(up), high); r10 = r8.rearrange(down).blend(r10, high); r8 = t;
        t = r9.blend(r11.rearrange(up), high); r11 = r9.rearrange(down).blend(r11, high); r9 = t;
        t = r12.blend(r14.rearrange(up), high); r14 = r12.rearrange(down).blend(r14, high); r12 = t;
        t = r13.blend(r15.rearrange(up), high); r15 = r13.rearrange(down).blend(r15, high); r13 = t;
        up = SHIFT_UP_1;
        down = SHIFT_DOWN_1;
        high = HIGH_1;
        t = r0.blend(r1.rearrange(up), high); r1 = r0.rearrange(down).blend(r1, high); r0 = t;
        t = r2.blend(r3.rearrange(up), high); r3 = r2.rearrange(down).blend(r3, high); r2 = t;
        t = r4.blend(r5.rearrange(up), high); r5 = r4.rearrange(down).blend(r5, high); r4 = t;
        t = r6.blend(r7.rearrange(up), high); r7 = r6.rearrange(down).blend(r7, high); r6 = t;
        t = r8.blend(r9.rearrange(up), high); r9 = r8.rearrange(down).blend(r9, high); r8 = t;
        t = r10.blend(r11.rearrange(up), high); r11 = r10.rearrange(down).blend(r11, high); r10 = t;
        t = r12.blend(r13.rearrange(up), high); r13 = r12.rearrange(down).blend(r13, high); r12 = t;
        t = r14.blend(r15.rearrange(up), high); r15 = r14.rearrange(down).blend(r15, high); r14 = t;
        if (bias != null) {
            FloatVector b = fromMemorySegment(F, bias, biasAt, LE);
            r0 = r0.add(b);
            r1 = r1.add(b);
            r2 = r2.add(b);
            r3 = r3.add(b);
            r4 = r4.add(b);
            r5 = r5.add(b);
            r6 = r6.add(b);
            r7 = r7.add(b);
            r8 = r8.add(b);
            r9 = r9.add(b);
            r10 = r10.add(b);
            r11 = r11.add(b);
            r12 = r12.add(b);
            r13 = r13.add(b);
            r14 = r14.add(b);
            r15 = r15.add(b);
        }
        r0.intoMemorySegment(dst, dstAt, LE);
        r1.intoMemorySegment(dst, dstAt + dstRowBytes, LE);
        r2.intoMemorySegment(dst, dstAt + 2 * dstRowBytes, LE);
        r3.intoMemorySegment(dst, dstAt + 3 * dstRowBytes, LE);
        r4.intoMemorySegment(dst, dstAt + 4 * dstRowBytes, LE);
        r5.intoMemorySegment(dst, dstAt + 5 * dstRowBytes, LE);
        r6.intoMemorySegment(dst, dstAt + 6 * dstRowBytes, LE);
        r7.intoMemorySegment(dst, dstAt + 7 * dstRowBytes, LE);
        r8.intoMemorySegment(dst, dstAt + 8 * dstRowBytes, LE);
        r9.intoMemorySegment(dst, dstAt + 9 * dstRowBytes, LE);
        r10.intoMemorySegment(dst, dstAt + 10 * dstRowBytes, LE);
        r11.intoMemorySegment(dst, dstAt + 11 * dstRowBytes, LE);
        r12.intoMemorySegment(dst, dstAt + 12 * dstRowBytes, LE);
        r13.intoMemorySegment(dst, dstAt + 13 * dstRowBytes, LE);
        r14.intoMemorySegment(dst, dstAt + 14 * dstRowBytes, LE);
        r15.intoMemorySegment(dst, dstAt + 15 * dstRowBytes, LE);
    }

    /**
     * Stores at byte {@code dstAt} one vector whose lane j is the sum of the lanes of vector j of the 16 consecutive
     * vectors at byte {@code srcAt}, each summed in {@link VectorMath#sumLanes}'s order and so with its bits: the
     * butterfly steps of {@link #storeTransposed}, h = 8, 4, 2, 1, pairing vectors i and i + h, except that after each
     * step the pair is added (lane j holds the partial sum of lanes j and j xor h of one of the two), so that 16
     * vectors become 8, 4, 2, then 1. Fifteen adds for sixteen sums, where one lane sum each takes four. Only with 16
     * lanes ({@link #AVAILABLE}).
     */
    static void storeLaneSums(MemorySegment dst, long dstAt, MemorySegment src, long srcAt) {
        // each step written out: with a method for it (vectors as arguments), the JIT boxed them, 60 KB a matmul
        long v = F.vectorByteSize();
        VectorShuffle<Float> up = SHIFT_UP_8;
        VectorShuffle<Float> down = SHIFT_DOWN_8;
        VectorMask<Float> high = HIGH_8;
        FloatVector p, q;
        p = fromMemorySegment(F, src, srcAt, LE);
        q = fromMemorySegment(F, src, srcAt + 8 * v, LE);
        FloatVector c0 = p.blend(q.rearrange(up), high).add(p.rearrange(down).blend(q, high));
        p = fromMemorySegment(F, src, srcAt + v, LE);
        q = fromMemorySegment(F, src, srcAt + 9 * v, LE);
        FloatVector c1 = p.blend(q.rearrange(up), high).add(p.rearrange(down).blend(q, high));
        p = fromMemorySegment(F, src, srcAt + 2 * v, LE);
        q = fromMemorySegment(F, src, srcAt + 10 * v, LE);
        FloatVector c2 = p.blend(q.rearrange(up), high).add(p.rearrange(down).blend(q, high));
        p = fromMemorySegment(F, src, srcAt + 3 * v, LE);
        q = fromMemorySegment(F, src, srcAt + 11 * v, LE);
        FloatVector c3 = p.blend(q.rearrange(up), high).add(p.rearrange(down).blend(q, high));
        p = fromMemorySegment(F, src, srcAt + 4 * v, LE);
        q = fromMemorySegment(F, src, srcAt + 12 * v, LE);
        FloatVector c4 = p.blend(q.rearrange(up), high).add(p.rearrange(down).blend(q, high));
        p = fromMemorySegment(F, src, srcAt + 5 * v, LE);
        q = fromMemorySegment(F, src, srcAt + 13 * v, LE);
        FloatVector c5 = p.blend(q.rearrange(up), high).add(p.rearrange(down).blend(q, high));
        p = fromMemorySegment(F, src, srcAt + 6 * v, LE);
        q = fromMemorySegment(F, src, srcAt + 14 * v, LE);
        FloatVector c6 = p.blend(q.rearrange(up), high).add(p.rearrange(down).blend(q, high));
        p = fromMemorySegment(F, src, srcAt + 7 * v, LE);
        q = fromMemorySegment(F, src, srcAt + 15 * v, LE);
        FloatVector c7 = p.blend(q.rearrange(up), high).add(p.rearrange(down).blend(q, high));
        up = SHIFT_UP_4;
        down = SHIFT_DOWN_4;
        high = HIGH_4;
        c0 = c0.blend(c4.rearrange(up), high).add(c0.rearrange(down).blend(c4, high));
        c1 = c1.blend(c5.rearrange(up), high).add(c1.rearrange(down).blend(c5, high));
        c2 = c2.blend(c6.rearrange(up), high).add(c2.rearrange(down).blend(c6, high));
        c3 = c3.blend(c7.rearrange(up), high).add(c3.rearrange(down).blend(c7, high));
        up = SHIFT_UP_2;
        down = SHIFT_DOWN_2;
        high = HIGH_2;
        c0 = c0.blend(c2.rearrange(up), high).add(c0.rearrange(down).blend(c2, high));
        c1 = c1.blend(c3.rearrange(up), high).add(c1.rearrange(down).blend(c3, high));
        up = SHIFT_UP_1;
        down = SHIFT_DOWN_1;
        high = HIGH_1;
        c0 = c0.blend(c1.rearrange(up), high).add(c0.rearrange(down).blend(c1, high));
        c0.intoMemorySegment(dst, dstAt, LE);
    }

    /**
     * {@return the lane sum of accumulator {@code a} of sixteen stored at byte 0 of {@code sums}}: its lane of the
     * vector that {@link #storeLaneSums} wrote at byte {@code laneSumsAt} where it is {@link #AVAILABLE}, else the
     * accumulator's lanes summed one by one ({@link VectorMath#sumStoredLanes}); the bits of
     * {@link VectorMath#sumLanes} either way.
     */
    static float laneSum(MemorySegment sums, int a, long laneSumsAt) {
        return AVAILABLE
                ? sums.get(F32, laneSumsAt + (long) a * Float.BYTES)
                : VectorMath.sumStoredLanes(sums, (long) a * F.vectorByteSize());
    }

    /** {@return the shuffle where lane j takes lane j + by (mod 16)}, or null without 16 lanes */
    private static VectorShuffle<Float> shift16(int by) {
        return AVAILABLE ? VectorShuffle.fromOp(F, j -> (j + by + 16) % 16) : null;
    }

    /** {@return the mask of the lanes j with {@code j & h} nonzero}, or null without 16 lanes */
    private static VectorMask<Float> high16(int h) {
        if (!AVAILABLE) {
            return null;
        }
        boolean[] bits = new boolean[16];
        for (int j = 0; j < 16; j++) {
            bits[j] = (j & h) != 0;
        }
        return VectorMask.fromArray(F, bits, 0);
    }
}
