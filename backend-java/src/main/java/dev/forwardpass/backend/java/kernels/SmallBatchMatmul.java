package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static dev.forwardpass.backend.java.kernels.VectorMath.sumStoredLanes;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import dev.forwardpass.api.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * The matmul of a batched decode step (a few rows of x): four rows of W against four rows of x per pass over the
 * inputs, sixteen independent accumulators, so that each vector read feeds four multiply-adds and the adds do not wait
 * on one another (one {@link VectorMath#dot} per output is a single chain of multiply-adds, bound by their latency).
 * Each output is summed exactly as {@link VectorMath#dot} sums it (one vector accumulator in input order, its lanes in
 * {@link VectorMath#sumLanes}'s order, then the tail in order), so a row of a batch gets the bits of a decode step of
 * one row, whatever the batch and however the rows of W are split between threads. With 16 lanes the sixteen
 * accumulators' lanes are summed together ({@link Transpose16#storeLaneSums}): one lane sum per output cost what the
 * multiply-adds of a row of 768 did.
 *
 * <p>The four rows of a pass are a quarter of the thread's rows apart, so that W is read as four streams through
 * consecutive rows; weights come from memory, and with the rows of a pass adjacent (streams that jump a row ahead at
 * every pass) a step of two rows took twice as long as a step of one.
 */
final class SmallBatchMatmul {
    /** Rows of W per pass. */
    private static final int W_ROWS = 4;
    /** Rows of x per pass. */
    private static final int X_ROWS = 4;

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
        MemorySegment scratch = workspace.floats(widenedAt / Float.BYTES + (wType == DType.F32 ? 0L : W_ROWS * (long) n));
        // rows r, r + q, r + 2q, r + 3q together: four streams, each through consecutive rows
        int q = Math.ceilDiv(rowTo - rowFrom, W_ROWS);
        for (int r = rowFrom; r < rowFrom + q; r++) {
            int r1 = r + q < rowTo ? r + q : r;
            int r2 = r + 2 * q < rowTo ? r + 2 * q : r;
            int r3 = r + 3 * q < rowTo ? r + 3 * q : r;
            MemorySegment rows = w;
            long w0 = r * rowBytes;
            long w1 = r1 * rowBytes;
            long w2 = r2 * rowBytes;
            long w3 = r3 * rowBytes;
            if (wType != DType.F32) {
                rows = scratch;
                w0 = widen(w, wType, r, n, scratch, widenedAt);
                w1 = widen(w, wType, r1, n, scratch, widenedAt + rowBytes);
                w2 = widen(w, wType, r2, n, scratch, widenedAt + 2 * rowBytes);
                w3 = widen(w, wType, r3, n, scratch, widenedAt + 3 * rowBytes);
            }
            for (int b0 = 0; b0 < batch; b0 += X_ROWS) {
                tile4x4(rows, w0, w1, w2, w3, x, b0, batch - 1, rowBytes, n, scratch);
                if (Transpose16.AVAILABLE) {
                    Transpose16.storeLaneSums(scratch, laneSumsAt, scratch, 0);
                }
                for (int j = 0; j < Math.min(X_ROWS, batch - b0); j++) {
                    store(out, rows, w0, x, b0 + j, r, n, d, bias, laneSum(scratch, j, laneSumsAt));
                    store(out, rows, w1, x, b0 + j, r1, n, d, bias, laneSum(scratch, X_ROWS + j, laneSumsAt));
                    store(out, rows, w2, x, b0 + j, r2, n, d, bias, laneSum(scratch, 2 * X_ROWS + j, laneSumsAt));
                    store(out, rows, w3, x, b0 + j, r3, n, d, bias, laneSum(scratch, 3 * X_ROWS + j, laneSumsAt));
                }
            }
        }
    }

    /** Widens row r of W into {@code scratch} at byte {@code at}; returns at. */
    private static long widen(MemorySegment w, DType wType, int r, int n, MemorySegment scratch, long at) {
        Widening.widen(w, wType, (long) r * n, scratch, at / Float.BYTES, n);
        return at;
    }

    /**
     * Four rows of W (byte offsets w0..w3) against the four rows of x from row {@code first} (rows past {@code last}
     * repeat it) over the vector part of n; the accumulator of W row i and x row j goes to vector {@code 4 i + j} of
     * {@code sums}.
     */
    private static void tile4x4(MemorySegment w, long w0, long w1, long w2, long w3, MemorySegment x, int first,
                                int last, long rowBytes, int n, MemorySegment sums) {
        long x0 = first * rowBytes;
        long x1 = Math.min(first + 1, last) * rowBytes;
        long x2 = Math.min(first + 2, last) * rowBytes;
        long x3 = Math.min(first + 3, last) * rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F), c2 = FloatVector.zero(F), c3 = FloatVector.zero(F);
        FloatVector d0 = FloatVector.zero(F), d1 = FloatVector.zero(F), d2 = FloatVector.zero(F), d3 = FloatVector.zero(F);
        int bound = F.loopBound(n);
        for (int j = 0; j < bound; j += F.length()) {
            long o = (long) j * Float.BYTES;
            FloatVector v0 = fromMemorySegment(F, x, x0 + o, LE);
            FloatVector v1 = fromMemorySegment(F, x, x1 + o, LE);
            FloatVector v2 = fromMemorySegment(F, x, x2 + o, LE);
            FloatVector v3 = fromMemorySegment(F, x, x3 + o, LE);
            FloatVector wv = fromMemorySegment(F, w, w0 + o, LE);
            a0 = wv.fma(v0, a0);
            a1 = wv.fma(v1, a1);
            a2 = wv.fma(v2, a2);
            a3 = wv.fma(v3, a3);
            wv = fromMemorySegment(F, w, w1 + o, LE);
            b0 = wv.fma(v0, b0);
            b1 = wv.fma(v1, b1);
            b2 = wv.fma(v2, b2);
            b3 = wv.fma(v3, b3);
            wv = fromMemorySegment(F, w, w2 + o, LE);
            c0 = wv.fma(v0, c0);
            c1 = wv.fma(v1, c1);
            c2 = wv.fma(v2, c2);
            c3 = wv.fma(v3, c3);
            wv = fromMemorySegment(F, w, w3 + o, LE);
            d0 = wv.fma(v0, d0);
            d1 = wv.fma(v1, d1);
            d2 = wv.fma(v2, d2);
            d3 = wv.fma(v3, d3);
        }
        long vectorBytes = F.vectorByteSize();
        a0.intoMemorySegment(sums, 0, LE);
        a1.intoMemorySegment(sums, vectorBytes, LE);
        a2.intoMemorySegment(sums, 2 * vectorBytes, LE);
        a3.intoMemorySegment(sums, 3 * vectorBytes, LE);
        b0.intoMemorySegment(sums, 4 * vectorBytes, LE);
        b1.intoMemorySegment(sums, 5 * vectorBytes, LE);
        b2.intoMemorySegment(sums, 6 * vectorBytes, LE);
        b3.intoMemorySegment(sums, 7 * vectorBytes, LE);
        c0.intoMemorySegment(sums, 8 * vectorBytes, LE);
        c1.intoMemorySegment(sums, 9 * vectorBytes, LE);
        c2.intoMemorySegment(sums, 10 * vectorBytes, LE);
        c3.intoMemorySegment(sums, 11 * vectorBytes, LE);
        d0.intoMemorySegment(sums, 12 * vectorBytes, LE);
        d1.intoMemorySegment(sums, 13 * vectorBytes, LE);
        d2.intoMemorySegment(sums, 14 * vectorBytes, LE);
        d3.intoMemorySegment(sums, 15 * vectorBytes, LE);
    }

    /**
     * {@return the lane sum of accumulator {@code a} of a pass}: its lane of the vector at {@code laneSumsAt} where
     * the pass summed its accumulators' lanes together (16 lanes), else its lanes summed one by one.
     */
    private static float laneSum(MemorySegment sums, int a, long laneSumsAt) {
        return Transpose16.AVAILABLE
                ? sums.get(F32, laneSumsAt + (long) a * Float.BYTES)
                : sumStoredLanes(sums, (long) a * F.vectorByteSize());
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
