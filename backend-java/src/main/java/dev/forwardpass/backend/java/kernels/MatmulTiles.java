package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.MatmulKernels.TILE_ROWS;
import static dev.forwardpass.backend.java.kernels.MatmulKernels.TILE_VECTORS;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * The register tiles of {@link MatmulKernels#matmulPanels}: a few rows of W against the vectors of a panel of x, each
 * weight broadcast to all lanes, the sums in vector accumulators. Each tile shape is written out accumulator by
 * accumulator, as the accumulators must be locals to stay in registers.
 */
final class MatmulTiles {
    private MatmulTiles() {}

    /**
     * Six rows of W (byte offsets w0, w0 + rowBytes, ...) against the four vectors of a panel at byte offset
     * {@code panelAt}: 24 accumulators (of AVX-512's 32 vector registers: 24 sums, four x vectors and the broadcast
     * weight), so that each x vector loaded feeds six multiply-adds and each weight read feeds four. The sums of
     * weight row i go to {@code sums} at byte offset {@code sumsAt + i * sumsRowBytes}, four vectors.
     */
    static void tile6x4(MemorySegment w, long w0, long rowBytes, MemorySegment panels, long panelAt, int n,
                        MemorySegment sums, long sumsAt, long sumsRowBytes) {
        long w1 = w0 + rowBytes;
        long w2 = w1 + rowBytes;
        long w3 = w2 + rowBytes;
        long w4 = w3 + rowBytes;
        long w5 = w4 + rowBytes;
        long vectorBytes = F.vectorByteSize();
        long panelRowBytes = TILE_VECTORS * vectorBytes;
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F); // a<w row><x vector>
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a23 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), a33 = FloatVector.zero(F);
        FloatVector a40 = FloatVector.zero(F), a41 = FloatVector.zero(F), a42 = FloatVector.zero(F), a43 = FloatVector.zero(F);
        FloatVector a50 = FloatVector.zero(F), a51 = FloatVector.zero(F), a52 = FloatVector.zero(F), a53 = FloatVector.zero(F);
        for (int k = 0; k < n; k++) {
            long xk = panelAt + k * panelRowBytes;
            long wk = (long) k * Float.BYTES;
            FloatVector x0 = fromMemorySegment(F, panels, xk, LE);
            FloatVector x1 = fromMemorySegment(F, panels, xk + vectorBytes, LE);
            FloatVector x2 = fromMemorySegment(F, panels, xk + 2 * vectorBytes, LE);
            FloatVector x3 = fromMemorySegment(F, panels, xk + 3 * vectorBytes, LE);
            FloatVector v = FloatVector.broadcast(F, w.get(F32, w0 + wk));
            a00 = x0.fma(v, a00);
            a01 = x1.fma(v, a01);
            a02 = x2.fma(v, a02);
            a03 = x3.fma(v, a03);
            v = FloatVector.broadcast(F, w.get(F32, w1 + wk));
            a10 = x0.fma(v, a10);
            a11 = x1.fma(v, a11);
            a12 = x2.fma(v, a12);
            a13 = x3.fma(v, a13);
            v = FloatVector.broadcast(F, w.get(F32, w2 + wk));
            a20 = x0.fma(v, a20);
            a21 = x1.fma(v, a21);
            a22 = x2.fma(v, a22);
            a23 = x3.fma(v, a23);
            v = FloatVector.broadcast(F, w.get(F32, w3 + wk));
            a30 = x0.fma(v, a30);
            a31 = x1.fma(v, a31);
            a32 = x2.fma(v, a32);
            a33 = x3.fma(v, a33);
            v = FloatVector.broadcast(F, w.get(F32, w4 + wk));
            a40 = x0.fma(v, a40);
            a41 = x1.fma(v, a41);
            a42 = x2.fma(v, a42);
            a43 = x3.fma(v, a43);
            v = FloatVector.broadcast(F, w.get(F32, w5 + wk));
            a50 = x0.fma(v, a50);
            a51 = x1.fma(v, a51);
            a52 = x2.fma(v, a52);
            a53 = x3.fma(v, a53);
        }
        a00.intoMemorySegment(sums, sumsAt, LE);
        a01.intoMemorySegment(sums, sumsAt + vectorBytes, LE);
        a02.intoMemorySegment(sums, sumsAt + 2 * vectorBytes, LE);
        a03.intoMemorySegment(sums, sumsAt + 3 * vectorBytes, LE);
        a10.intoMemorySegment(sums, sumsAt + sumsRowBytes, LE);
        a11.intoMemorySegment(sums, sumsAt + sumsRowBytes + vectorBytes, LE);
        a12.intoMemorySegment(sums, sumsAt + sumsRowBytes + 2 * vectorBytes, LE);
        a13.intoMemorySegment(sums, sumsAt + sumsRowBytes + 3 * vectorBytes, LE);
        a20.intoMemorySegment(sums, sumsAt + 2 * sumsRowBytes, LE);
        a21.intoMemorySegment(sums, sumsAt + 2 * sumsRowBytes + vectorBytes, LE);
        a22.intoMemorySegment(sums, sumsAt + 2 * sumsRowBytes + 2 * vectorBytes, LE);
        a23.intoMemorySegment(sums, sumsAt + 2 * sumsRowBytes + 3 * vectorBytes, LE);
        a30.intoMemorySegment(sums, sumsAt + 3 * sumsRowBytes, LE);
        a31.intoMemorySegment(sums, sumsAt + 3 * sumsRowBytes + vectorBytes, LE);
        a32.intoMemorySegment(sums, sumsAt + 3 * sumsRowBytes + 2 * vectorBytes, LE);
        a33.intoMemorySegment(sums, sumsAt + 3 * sumsRowBytes + 3 * vectorBytes, LE);
        a40.intoMemorySegment(sums, sumsAt + 4 * sumsRowBytes, LE);
        a41.intoMemorySegment(sums, sumsAt + 4 * sumsRowBytes + vectorBytes, LE);
        a42.intoMemorySegment(sums, sumsAt + 4 * sumsRowBytes + 2 * vectorBytes, LE);
        a43.intoMemorySegment(sums, sumsAt + 4 * sumsRowBytes + 3 * vectorBytes, LE);
        a50.intoMemorySegment(sums, sumsAt + 5 * sumsRowBytes, LE);
        a51.intoMemorySegment(sums, sumsAt + 5 * sumsRowBytes + vectorBytes, LE);
        a52.intoMemorySegment(sums, sumsAt + 5 * sumsRowBytes + 2 * vectorBytes, LE);
        a53.intoMemorySegment(sums, sumsAt + 5 * sumsRowBytes + 3 * vectorBytes, LE);
    }

    /**
     * The tiles that are not six rows of W by a full panel, as {@link #tile6x4} (the same multiply-adds in the same
     * order, so the same bits): fewer rows (the last of a thread's share), or fewer vectors (the last panel of a
     * batch). Six rows against two vectors at a time (then one), else one row against the panel's vectors four at
     * once. Six rows against one vector, a broadcast per multiply-add, run at three quarters of the speed of
     * {@link #tile6x4}; against two, near its speed: that is a prompt of 20 or 40 tokens.
     */
    static void tileRemainder(MemorySegment w, long w0, long rowBytes, int rows, MemorySegment panels, long panelAt,
                              int vectors, int n, MemorySegment sums, long sumsAt, long sumsRowBytes) {
        long vectorBytes = F.vectorByteSize();
        long panelRowBytes = TILE_VECTORS * vectorBytes;
        if (rows == TILE_ROWS) {
            int v = 0;
            for (; v + 2 <= vectors; v += 2) {
                tile6x2(w, w0, rowBytes, panels, panelAt + v * vectorBytes, panelRowBytes, n, sums,
                        sumsAt + v * vectorBytes, sumsRowBytes);
            }
            if (v < vectors) {
                tile6x1(w, w0, rowBytes, panels, panelAt + v * vectorBytes, panelRowBytes, n, sums,
                        sumsAt + v * vectorBytes, sumsRowBytes);
            }
            return;
        }
        for (int i = 0; i < rows; i++) {
            tile1x4(w, w0 + i * rowBytes, panels, panelAt, panelRowBytes, n, sums, sumsAt + i * sumsRowBytes);
        }
    }

    /**
     * Six rows of W against two consecutive vectors of a panel (from byte {@code xAt}); row i's sums go to byte
     * {@code sumsAt + i * sumsRowBytes}, two vectors.
     */
    private static void tile6x2(MemorySegment w, long w0, long rowBytes, MemorySegment panels, long xAt,
                                long panelRowBytes, int n, MemorySegment sums, long sumsAt, long sumsRowBytes) {
        long w1 = w0 + rowBytes;
        long w2 = w1 + rowBytes;
        long w3 = w2 + rowBytes;
        long w4 = w3 + rowBytes;
        long w5 = w4 + rowBytes;
        long vectorBytes = F.vectorByteSize();
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a10 = FloatVector.zero(F); // a<row><vector>
        FloatVector a11 = FloatVector.zero(F), a20 = FloatVector.zero(F), a21 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a40 = FloatVector.zero(F);
        FloatVector a41 = FloatVector.zero(F), a50 = FloatVector.zero(F), a51 = FloatVector.zero(F);
        for (int k = 0; k < n; k++) {
            long xk = xAt + k * panelRowBytes;
            long wk = (long) k * Float.BYTES;
            FloatVector x0 = fromMemorySegment(F, panels, xk, LE);
            FloatVector x1 = fromMemorySegment(F, panels, xk + vectorBytes, LE);
            FloatVector v = FloatVector.broadcast(F, w.get(F32, w0 + wk));
            a00 = x0.fma(v, a00);
            a01 = x1.fma(v, a01);
            v = FloatVector.broadcast(F, w.get(F32, w1 + wk));
            a10 = x0.fma(v, a10);
            a11 = x1.fma(v, a11);
            v = FloatVector.broadcast(F, w.get(F32, w2 + wk));
            a20 = x0.fma(v, a20);
            a21 = x1.fma(v, a21);
            v = FloatVector.broadcast(F, w.get(F32, w3 + wk));
            a30 = x0.fma(v, a30);
            a31 = x1.fma(v, a31);
            v = FloatVector.broadcast(F, w.get(F32, w4 + wk));
            a40 = x0.fma(v, a40);
            a41 = x1.fma(v, a41);
            v = FloatVector.broadcast(F, w.get(F32, w5 + wk));
            a50 = x0.fma(v, a50);
            a51 = x1.fma(v, a51);
        }
        a00.intoMemorySegment(sums, sumsAt, LE);
        a01.intoMemorySegment(sums, sumsAt + vectorBytes, LE);
        a10.intoMemorySegment(sums, sumsAt + sumsRowBytes, LE);
        a11.intoMemorySegment(sums, sumsAt + sumsRowBytes + vectorBytes, LE);
        a20.intoMemorySegment(sums, sumsAt + 2 * sumsRowBytes, LE);
        a21.intoMemorySegment(sums, sumsAt + 2 * sumsRowBytes + vectorBytes, LE);
        a30.intoMemorySegment(sums, sumsAt + 3 * sumsRowBytes, LE);
        a31.intoMemorySegment(sums, sumsAt + 3 * sumsRowBytes + vectorBytes, LE);
        a40.intoMemorySegment(sums, sumsAt + 4 * sumsRowBytes, LE);
        a41.intoMemorySegment(sums, sumsAt + 4 * sumsRowBytes + vectorBytes, LE);
        a50.intoMemorySegment(sums, sumsAt + 5 * sumsRowBytes, LE);
        a51.intoMemorySegment(sums, sumsAt + 5 * sumsRowBytes + vectorBytes, LE);
    }

    /** Six rows of W against one vector of a panel; row i's sums go to byte {@code sumsAt + i * sumsRowBytes}. */
    private static void tile6x1(MemorySegment w, long w0, long rowBytes, MemorySegment panels, long xAt,
                                long panelRowBytes, int n, MemorySegment sums, long sumsAt, long sumsRowBytes) {
        long w1 = w0 + rowBytes;
        long w2 = w1 + rowBytes;
        long w3 = w2 + rowBytes;
        long w4 = w3 + rowBytes;
        long w5 = w4 + rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F), a4 = FloatVector.zero(F), a5 = FloatVector.zero(F);
        for (int k = 0; k < n; k++) {
            FloatVector xv = fromMemorySegment(F, panels, xAt + k * panelRowBytes, LE);
            long wk = (long) k * Float.BYTES;
            a0 = xv.fma(FloatVector.broadcast(F, w.get(F32, w0 + wk)), a0);
            a1 = xv.fma(FloatVector.broadcast(F, w.get(F32, w1 + wk)), a1);
            a2 = xv.fma(FloatVector.broadcast(F, w.get(F32, w2 + wk)), a2);
            a3 = xv.fma(FloatVector.broadcast(F, w.get(F32, w3 + wk)), a3);
            a4 = xv.fma(FloatVector.broadcast(F, w.get(F32, w4 + wk)), a4);
            a5 = xv.fma(FloatVector.broadcast(F, w.get(F32, w5 + wk)), a5);
        }
        a0.intoMemorySegment(sums, sumsAt, LE);
        a1.intoMemorySegment(sums, sumsAt + sumsRowBytes, LE);
        a2.intoMemorySegment(sums, sumsAt + 2 * sumsRowBytes, LE);
        a3.intoMemorySegment(sums, sumsAt + 3 * sumsRowBytes, LE);
        a4.intoMemorySegment(sums, sumsAt + 4 * sumsRowBytes, LE);
        a5.intoMemorySegment(sums, sumsAt + 5 * sumsRowBytes, LE);
    }

    /**
     * One row of W against the four vectors of a panel (vectors past the batch hold zeros or leftovers: their sums
     * are computed and never read). The sums go to {@code sums} at byte offset {@code sumsAt}, four vectors.
     */
    private static void tile1x4(MemorySegment w, long w0, MemorySegment panels, long panelAt, long panelRowBytes,
                                int n, MemorySegment sums, long sumsAt) {
        long vectorBytes = F.vectorByteSize();
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int k = 0; k < n; k++) {
            long xk = panelAt + k * panelRowBytes;
            FloatVector v = FloatVector.broadcast(F, w.get(F32, w0 + (long) k * Float.BYTES));
            a0 = fromMemorySegment(F, panels, xk, LE).fma(v, a0);
            a1 = fromMemorySegment(F, panels, xk + vectorBytes, LE).fma(v, a1);
            a2 = fromMemorySegment(F, panels, xk + 2 * vectorBytes, LE).fma(v, a2);
            a3 = fromMemorySegment(F, panels, xk + 3 * vectorBytes, LE).fma(v, a3);
        }
        a0.intoMemorySegment(sums, sumsAt, LE);
        a1.intoMemorySegment(sums, sumsAt + vectorBytes, LE);
        a2.intoMemorySegment(sums, sumsAt + 2 * vectorBytes, LE);
        a3.intoMemorySegment(sums, sumsAt + 3 * vectorBytes, LE);
    }

}
