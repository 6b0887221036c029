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
 * The matmul of a batched decode step (a few rows of x): two rows of W against four rows of x per pass over the
 * inputs, eight independent accumulators, so that each weight vector read feeds four multiply-adds and the adds do not
 * wait on one another (one {@link VectorMath#dot} per output is a single chain of multiply-adds, bound by their
 * latency). Each output is summed exactly as {@link VectorMath#dot} sums it (one vector accumulator in input order,
 * {@link VectorMath#sumStoredLanes}, then the tail in order), so a row of a batch gets the bits of a decode step of one
 * row, whatever the batch and however the rows of W are split between threads.
 */
final class SmallBatchMatmul {
    /** Rows of W per pass. */
    private static final int W_ROWS = 2;
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
        long sumsFloats = (long) W_ROWS * X_ROWS * F.length();
        // scratch: the accumulators of a pass, then the pass's rows of W widened to F32 if they are not
        MemorySegment scratch = workspace.floats(sumsFloats + (wType == DType.F32 ? 0L : W_ROWS * (long) n));
        long widenedAt = sumsFloats * Float.BYTES;
        for (int r0 = rowFrom; r0 < rowTo; r0 += W_ROWS) {
            int r1 = Math.min(r0 + 1, rowTo - 1);
            MemorySegment rows = w;
            long w0 = r0 * rowBytes;
            long w1 = r1 * rowBytes;
            if (wType != DType.F32) {
                rows = scratch;
                Widening.widen(w, wType, (long) r0 * n, scratch, sumsFloats, (r1 - r0 + 1) * n);
                w0 = widenedAt;
                w1 = widenedAt + (r1 - r0) * rowBytes;
            }
            for (int b0 = 0; b0 < batch; b0 += X_ROWS) {
                int b1 = Math.min(b0 + 1, batch - 1);
                int b2 = Math.min(b0 + 2, batch - 1);
                int b3 = Math.min(b0 + 3, batch - 1);
                tile2x4(rows, w0, w1, x, b0 * rowBytes, b1 * rowBytes, b2 * rowBytes, b3 * rowBytes, n, scratch);
                store(out, rows, w0, x, b0, r0, n, d, bias, scratch, 0);
                store(out, rows, w0, x, b1, r0, n, d, bias, scratch, 1);
                store(out, rows, w0, x, b2, r0, n, d, bias, scratch, 2);
                store(out, rows, w0, x, b3, r0, n, d, bias, scratch, 3);
                store(out, rows, w1, x, b0, r1, n, d, bias, scratch, 4);
                store(out, rows, w1, x, b1, r1, n, d, bias, scratch, 5);
                store(out, rows, w1, x, b2, r1, n, d, bias, scratch, 6);
                store(out, rows, w1, x, b3, r1, n, d, bias, scratch, 7);
            }
        }
    }

    /**
     * Two rows of W (byte offsets wa, wb) against four rows of x (byte offsets x0..x3) over the vector part of n; the
     * accumulator of W row i and x row j goes to vector {@code 4 i + j} of {@code sums}.
     */
    private static void tile2x4(MemorySegment w, long wa, long wb, MemorySegment x, long x0, long x1, long x2, long x3,
                                int n, MemorySegment sums) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        long bound = (long) F.loopBound(n) * Float.BYTES;
        for (long o = 0; o < bound; o += F.vectorByteSize()) {
            FloatVector v0 = fromMemorySegment(F, x, x0 + o, LE);
            FloatVector v1 = fromMemorySegment(F, x, x1 + o, LE);
            FloatVector v2 = fromMemorySegment(F, x, x2 + o, LE);
            FloatVector v3 = fromMemorySegment(F, x, x3 + o, LE);
            FloatVector wv = fromMemorySegment(F, w, wa + o, LE);
            a0 = wv.fma(v0, a0);
            a1 = wv.fma(v1, a1);
            a2 = wv.fma(v2, a2);
            a3 = wv.fma(v3, a3);
            wv = fromMemorySegment(F, w, wb + o, LE);
            b0 = wv.fma(v0, b0);
            b1 = wv.fma(v1, b1);
            b2 = wv.fma(v2, b2);
            b3 = wv.fma(v3, b3);
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
    }

    /**
     * Writes out[b, r] (plus the bias): the lanes of accumulator {@code sum} of {@code sums}, then the elements of the
     * row of W at byte {@code wAt} and row b of x past the vector part, in order.
     */
    private static void store(MemorySegment out, MemorySegment w, long wAt, MemorySegment x, int b, int r, int n,
                              int d, MemorySegment bias, MemorySegment sums, int sum) {
        float s = sumStoredLanes(sums, (long) sum * F.vectorByteSize());
        long xAt = (long) b * n * Float.BYTES;
        for (int j = F.loopBound(n); j < n; j++) {
            long o = (long) j * Float.BYTES;
            s = Math.fma(w.get(F32, wAt + o), x.get(F32, xAt + o), s);
        }
        out.setAtIndex(F32, (long) b * d + r, bias == null ? s : s + bias.getAtIndex(F32, r));
    }
}
