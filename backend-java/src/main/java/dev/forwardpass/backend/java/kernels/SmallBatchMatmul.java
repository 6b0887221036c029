package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import dev.forwardpass.api.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * The matmul of a decode step, batched or not (a few rows of x): eight rows of W against two rows of x per pass over
 * the inputs (one row for a decode step, or the last of an odd batch), sixteen independent accumulators, so that the
 * adds do not wait on one another (one {@link VectorMath#dot} per output is a single chain of multiply-adds, bound by
 * their latency). Each output is summed exactly as {@link VectorMath#dot} sums it (one vector accumulator in input
 * order, its lanes in {@link VectorMath#sumLanes}'s order, then the tail in order), so a row of a batch gets the bits
 * of a decode step of one row, whatever the batch and however the rows of W are split between threads. With 16 lanes
 * the sixteen accumulators' lanes are summed together ({@link Transpose16#storeLaneSums}): one lane sum per output
 * cost what the multiply-adds of a row of 768 did.
 *
 * <p>Why eight rows of W and two of x: the weights come from memory, and a pass reads them as fast as the loads in
 * flight let it, which are few when each weight vector waits behind many loads of x. With eight weight vectors to two
 * of x a step of two rows costs what a step of one does, and the later passes over the same eight rows read them from
 * cache (two rows of W against eight of x: a step of eight rows 1.3 times as long; four against four, 1.15). The rows
 * of a pass are an eighth of the thread's rows apart, so that W is read as eight streams through consecutive rows: with
 * adjacent rows (streams that jump ahead at every pass) a step of two rows took twice as long as a step of one. Eight
 * streams also read memory faster than one: a decode step of the 110M shape, its weights from memory, took 27 ms
 * here where one row after another from start to end took 35.5 (the bandwidth probe of the same runs: 17 GB/s).
 */
final class SmallBatchMatmul {
    /** Rows of W per pass. */
    private static final int W_ROWS = 8;
    /** Rows of x per pass. */
    private static final int X_ROWS = 2;

    private SmallBatchMatmul() {}

    /**
     * Linear layer for the output rows {@code rowFrom..rowTo-1}: W (d,n) @ x (n,) + bias (d,) -> out (d,), for each
     * of the B rows of x. Rows of W in another dtype than F32 are widened or dequantized into the workspace first,
     * exactly. A pass past the last row of W or x repeats that last row, and writes the same bits to the same output.
     *
     * @param out (B, d), not x
     * @param w (d, n) in {@code wType}
     * @param x (B, n)
     * @param bias (d,), or null for none
     */
    static void matmul(MemorySegment out, MemorySegment w, DType wType, MemorySegment x, MemorySegment bias,
                       int batch, int n, int d, int rowFrom, int rowTo, Workspace workspace) {
        long rowBytes = (long) n * Float.BYTES;
        // scratch: the accumulators of a pass, their lane sums (one vector), then the pass's rows of W widened to F32
        long laneSumsAt = W_ROWS * X_ROWS * F.vectorByteSize();
        long widenedAt = laneSumsAt + F.vectorByteSize();
        long widenedFloats = wType == DType.F32 ? 0L : W_ROWS * (long) n;
        MemorySegment scratch = workspace.floats(widenedAt / Float.BYTES + widenedFloats);
        // row i of the pass from r: r + i q, the last row where that is past it
        int q = Math.ceilDiv(rowTo - rowFrom, W_ROWS);
        int lastRow = rowTo - 1;
        for (int r = rowFrom; r < rowFrom + q; r++) {
            MemorySegment rows = w;
            long firstAt = r * rowBytes;
            long stride = q * rowBytes;
            long lastAt = lastRow * rowBytes;
            if (wType != DType.F32) {
                rows = scratch;
                for (int i = 0; i < W_ROWS; i++) {
                    Widening.widen(w, wType, (long) Math.min(r + i * q, lastRow) * n, scratch,
                            widenedAt / Float.BYTES + (long) i * n, n);
                }
                firstAt = widenedAt;
                stride = rowBytes;
                lastAt = widenedAt + (W_ROWS - 1) * rowBytes;
            }
            for (int b0 = 0; b0 < batch; b0 += X_ROWS) {
                if (b0 == batch - 1) {
                    tile8x1(rows, firstAt, stride, lastAt, x, b0 * rowBytes, n, scratch);
                } else {
                    tile8x2(rows, firstAt, stride, lastAt, x, b0, batch - 1, rowBytes, n, scratch);
                }
                if (Transpose16.AVAILABLE) {
                    Transpose16.storeLaneSums(scratch, laneSumsAt, scratch, 0);
                }
                for (int j = 0; j < Math.min(X_ROWS, batch - b0); j++) {
                    for (int i = 0; i < W_ROWS; i++) {
                        float sum = Transpose16.laneSum(scratch, X_ROWS * i + j, laneSumsAt);
                        long wAt = Math.min(firstAt + i * stride, lastAt);
                        store(out, rows, wAt, x, b0 + j, Math.min(r + i * q, lastRow), n, d, bias, sum);
                    }
                }
            }
        }
    }

    /**
     * Eight rows of W (row i at byte {@code firstAt + i * stride}, or lastAt if that is past it) against the two rows
     * of x from row {@code first} (the second {@code last} if it is past it) over the vector part of n; the
     * accumulator of W row i and x row j goes to vector {@code 2 i + j} of {@code sums}.
     */
    private static void tile8x2(MemorySegment w, long firstAt, long stride, long lastAt, MemorySegment x, int first,
                                int last, long rowBytes, int n, MemorySegment sums) {
        long xa = first * rowBytes;
        long xb = Math.min(first + 1, last) * rowBytes;
        long w0 = firstAt;
        long w1 = Math.min(firstAt + stride, lastAt);
        long w2 = Math.min(firstAt + 2 * stride, lastAt);
        long w3 = Math.min(firstAt + 3 * stride, lastAt);
        long w4 = Math.min(firstAt + 4 * stride, lastAt);
        long w5 = Math.min(firstAt + 5 * stride, lastAt);
        long w6 = Math.min(firstAt + 6 * stride, lastAt);
        long w7 = Math.min(firstAt + 7 * stride, lastAt);
        FloatVector a0 = FloatVector.zero(F), b0 = FloatVector.zero(F); // a<i>, b<i>: W row i by x row a, b
        FloatVector a1 = FloatVector.zero(F), b1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F), b2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        FloatVector a4 = FloatVector.zero(F), b4 = FloatVector.zero(F);
        FloatVector a5 = FloatVector.zero(F), b5 = FloatVector.zero(F);
        FloatVector a6 = FloatVector.zero(F), b6 = FloatVector.zero(F);
        FloatVector a7 = FloatVector.zero(F), b7 = FloatVector.zero(F);
        int bound = F.loopBound(n);
        for (int j = 0; j < bound; j += F.length()) {
            long o = (long) j * Float.BYTES;
            FloatVector u = fromMemorySegment(F, x, xa + o, LE);
            FloatVector v = fromMemorySegment(F, x, xb + o, LE);
            FloatVector wv = fromMemorySegment(F, w, w0 + o, LE);
            a0 = wv.fma(u, a0);
            b0 = wv.fma(v, b0);
            wv = fromMemorySegment(F, w, w1 + o, LE);
            a1 = wv.fma(u, a1);
            b1 = wv.fma(v, b1);
            wv = fromMemorySegment(F, w, w2 + o, LE);
            a2 = wv.fma(u, a2);
            b2 = wv.fma(v, b2);
            wv = fromMemorySegment(F, w, w3 + o, LE);
            a3 = wv.fma(u, a3);
            b3 = wv.fma(v, b3);
            wv = fromMemorySegment(F, w, w4 + o, LE);
            a4 = wv.fma(u, a4);
            b4 = wv.fma(v, b4);
            wv = fromMemorySegment(F, w, w5 + o, LE);
            a5 = wv.fma(u, a5);
            b5 = wv.fma(v, b5);
            wv = fromMemorySegment(F, w, w6 + o, LE);
            a6 = wv.fma(u, a6);
            b6 = wv.fma(v, b6);
            wv = fromMemorySegment(F, w, w7 + o, LE);
            a7 = wv.fma(u, a7);
            b7 = wv.fma(v, b7);
        }
        long vectorBytes = F.vectorByteSize();
        a0.intoMemorySegment(sums, 0, LE);
        b0.intoMemorySegment(sums, vectorBytes, LE);
        a1.intoMemorySegment(sums, 2 * vectorBytes, LE);
        b1.intoMemorySegment(sums, 3 * vectorBytes, LE);
        a2.intoMemorySegment(sums, 4 * vectorBytes, LE);
        b2.intoMemorySegment(sums, 5 * vectorBytes, LE);
        a3.intoMemorySegment(sums, 6 * vectorBytes, LE);
        b3.intoMemorySegment(sums, 7 * vectorBytes, LE);
        a4.intoMemorySegment(sums, 8 * vectorBytes, LE);
        b4.intoMemorySegment(sums, 9 * vectorBytes, LE);
        a5.intoMemorySegment(sums, 10 * vectorBytes, LE);
        b5.intoMemorySegment(sums, 11 * vectorBytes, LE);
        a6.intoMemorySegment(sums, 12 * vectorBytes, LE);
        b6.intoMemorySegment(sums, 13 * vectorBytes, LE);
        a7.intoMemorySegment(sums, 14 * vectorBytes, LE);
        b7.intoMemorySegment(sums, 15 * vectorBytes, LE);
    }

    /**
     * {@link #tile8x2} for one row of x, at byte {@code xAt} (a decode step, or the last row of an odd batch): the
     * accumulator of W row i goes to vector {@code 2 i} of {@code sums}, as the first row's of a pair does; vectors
     * {@code 2 i + 1} are left as they are, and their lane sums are not read.
     */
    private static void tile8x1(MemorySegment w, long firstAt, long stride, long lastAt, MemorySegment x, long xAt,
                                int n, MemorySegment sums) {
        long w0 = firstAt;
        long w1 = Math.min(firstAt + stride, lastAt);
        long w2 = Math.min(firstAt + 2 * stride, lastAt);
        long w3 = Math.min(firstAt + 3 * stride, lastAt);
        long w4 = Math.min(firstAt + 4 * stride, lastAt);
        long w5 = Math.min(firstAt + 5 * stride, lastAt);
        long w6 = Math.min(firstAt + 6 * stride, lastAt);
        long w7 = Math.min(firstAt + 7 * stride, lastAt);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F), a4 = FloatVector.zero(F), a5 = FloatVector.zero(F);
        FloatVector a6 = FloatVector.zero(F), a7 = FloatVector.zero(F);
        int bound = F.loopBound(n);
        for (int j = 0; j < bound; j += F.length()) {
            long o = (long) j * Float.BYTES;
            FloatVector u = fromMemorySegment(F, x, xAt + o, LE);
            a0 = fromMemorySegment(F, w, w0 + o, LE).fma(u, a0);
            a1 = fromMemorySegment(F, w, w1 + o, LE).fma(u, a1);
            a2 = fromMemorySegment(F, w, w2 + o, LE).fma(u, a2);
            a3 = fromMemorySegment(F, w, w3 + o, LE).fma(u, a3);
            a4 = fromMemorySegment(F, w, w4 + o, LE).fma(u, a4);
            a5 = fromMemorySegment(F, w, w5 + o, LE).fma(u, a5);
            a6 = fromMemorySegment(F, w, w6 + o, LE).fma(u, a6);
            a7 = fromMemorySegment(F, w, w7 + o, LE).fma(u, a7);
        }
        long vectorBytes = F.vectorByteSize();
        a0.intoMemorySegment(sums, 0, LE);
        a1.intoMemorySegment(sums, 2 * vectorBytes, LE);
        a2.intoMemorySegment(sums, 4 * vectorBytes, LE);
        a3.intoMemorySegment(sums, 6 * vectorBytes, LE);
        a4.intoMemorySegment(sums, 8 * vectorBytes, LE);
        a5.intoMemorySegment(sums, 10 * vectorBytes, LE);
        a6.intoMemorySegment(sums, 12 * vectorBytes, LE);
        a7.intoMemorySegment(sums, 14 * vectorBytes, LE);
    }

    /**
     * Writes out[b, r] (plus the bias): the lane sum {@code s} of its accumulator, then the elements of the row of W
     * at byte {@code wAt} and row b of x past the vector part, in order.
     */
    private static void store(MemorySegment out, MemorySegment w, long wAt, MemorySegment x, int b, int r, int n,
                              int d, MemorySegment bias, float s) {
        long xAt = (long) b * n * Float.BYTES;
        for (int j = F.loopBound(n); j < n; j++) {
            long o = (long) j * Float.BYTES;
            s = Math.fma(w.get(F32, wAt + o), x.get(F32, xAt + o), s);
        }
        out.setAtIndex(F32, (long) b * d + r, bias == null ? s : s + bias.getAtIndex(F32, r));
    }
}
