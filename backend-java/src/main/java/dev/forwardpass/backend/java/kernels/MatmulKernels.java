package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.VECTORIZED;
import static dev.forwardpass.backend.java.kernels.VectorMath.dot;
import static dev.forwardpass.backend.java.kernels.VectorMath.dotFour;

import dev.forwardpass.api.DType;
import java.lang.foreign.MemorySegment;

/**
 * Linear layers (matrix-vector for a decode step, matrix-matrix for a prefill) with the Vector API, for weights of
 * every dtype. An output is computed the same way in every tile of its path (a dot product along the row for a
 * few rows of x, a chain of multiply-adds in input order for a batch), so it does not depend on how the rows of W are
 * split between threads.
 */
public final class MatmulKernels {
    /** Weight rows per batched matmul tile: each x vector loaded feeds six multiply-adds. */
    public static final int TILE_ROWS = 6;
    /** Vectors of x rows per panel and per batched matmul tile: each weight read feeds four multiply-adds. */
    static final int TILE_VECTORS = 4;
    /** Rows of x in a panel: a vector of rows for each of the {@value #TILE_VECTORS} vectors of a tile. */
    private static final int PANEL_ROWS = TILE_VECTORS * F.length();
    /**
     * Batches from which a matmul transposes x into panels; smaller ones run like a batched decode step
     * ({@link SmallBatchMatmul}), as a panel would be mostly padding.
     */
    static final int MIN_PANEL_BATCH = 17;
    /**
     * Batches from which a matmul of a dtype with a fused dot product ({@link QuantizedDot}) multiplies panels, its
     * tiles dequantized once for all rows of x, rather than one fused dot product per row of x and of W.
     */
    static final int MIN_FUSED_PANEL_BATCH = 8;
    /** Weight rows whose sums are kept before they are written out: three cache lines of an out row (8 tiles). */
    private static final int GROUP_ROWS = 48;
    /**
     * Bytes of x rows (as panels) a batched matmul keeps hot in L2 while a thread's weight rows stream past them: half
     * of a typical 1 MB L2, so that a whole prefill chunk (128 rows of 768 floats) is one block and W is read once.
     */
    private static final int X_BLOCK_BYTES = 512 * 1024;
    /** At most this many rows of x per block, so that a group's sums (24 KB) stay in L1. */
    private static final int X_BLOCK_MAX_ROWS = 128;

    /** Rows of W up to this many floats (1 KB) are multiplied four at a time in a decode step. */
    private static final int SHORT_ROW_FLOATS = 256;

    private MatmulKernels() {}

    /**
     * Linear layer: W (d,n) @ x (n,) + bias (d,) -> out (d,), for each of the B rows of x, all rows of W.
     *
     * @see #matmul(MemorySegment, MemorySegment, DType, MemorySegment, MemorySegment, int, int, int, int, int, Workspace)
     */
    public static void matmul(MemorySegment out, MemorySegment w, DType wType, MemorySegment x, MemorySegment bias,
                              int batch, int n, int d, Workspace workspace) {
        matmul(out, w, wType, x, bias, batch, n, d, 0, d, workspace);
    }

    /**
     * Linear layer for the output rows {@code rowFrom..rowTo-1} only (one thread's share): W (d,n) @ x (n,) + bias
     * (d,) -> out (d,), for each of the B rows of x.
     *
     * <p>Up to {@code MIN_PANEL_BATCH - 1} rows of x (a decode step, or a batched one) of a dtype without a fused dot
     * product: {@link SmallBatchMatmul}, eight rows of W at a time, each output the {@link VectorMath#dot} of its row
     * and its row of x, then the bias. Its eight rows are far apart (eight streams through memory): a decode step of
     * the 110M shape read its weights from memory 1.3 times as fast as one row at a time from start to end (one
     * stream), while rows of a tile a row apart (four streams 3 KB apart) measured at half the speed of one stream.
     * Two exceptions, row by row: short rows against one row of x ({@value #SHORT_ROW_FLOATS} floats at most), four
     * rows at a time as one stretch of memory ({@link VectorMath#dotFour}, the same bits); and the dtypes with a
     * fused dot product, whose arithmetic, not memory, bounds a decode step: {@link #decodeSpread}, Q8_0 four rows
     * far apart at a time and Q4_0 two (several chains of multiply-adds where one row's single chain waited on itself;
     * a 110M decode step 18.5 -> 13.5 ms on one thread with Q8_0 four rows at a time), the K-quants one, and sixteen
     * rows' lane sums at once; a few rows of x, {@link QuantizedDot#dot} one row of W at a time.
     *
     * <p>A batch ({@link #usesPanels}, a prefill): x is transposed into panels here, then {@link #matmulPanels}. A
     * backend that splits the rows between threads transposes x once instead, and calls matmulPanels from each. A
     * dtype with a fused dot product takes the panels (transposed here) from {@code MIN_FUSED_PANEL_BATCH} rows.
     *
     * @param out (B, d), not x
     * @param w (d, n) in {@code wType}
     * @param x (B, n)
     * @param bias (d,), or null for none
     */
    public static void matmul(MemorySegment out, MemorySegment w, DType wType, MemorySegment x, MemorySegment bias,
                              int batch, int n, int d, int rowFrom, int rowTo, Workspace workspace) {
        if (!usesPanels(batch)) {
            boolean fused = QuantizedDot.fuses(wType);
            if (VECTORIZED && !fused && (batch > 1 || n > SHORT_ROW_FLOATS)) {
                SmallBatchMatmul.matmul(out, w, wType, x, bias, batch, n, d, rowFrom, rowTo, workspace);
                return;
            }
            if (!VECTORIZED || !fused || batch < MIN_FUSED_PANEL_BATCH) {
                matmulRowByRow(out, w, wType, x, bias, batch, n, d, rowFrom, rowTo, workspace);
                return;
            }
        }
        MemorySegment panels = workspace.transposed(panelFloats(batch, n));
        transposeToPanels(panels, x, batch, n, 0, Math.ceilDiv(batch, panelVectorRows()));
        matmulPanels(out, w, wType, panels, bias, batch, n, d, rowFrom, rowTo, workspace);
    }

    /** {@return whether a matmul of {@code batch} rows of x multiplies panels of x rather than one row at a time} */
    public static boolean usesPanels(int batch) {
        return VECTORIZED && batch >= MIN_PANEL_BATCH;
    }

    /**
     * {@return the rows of W that a thread's share of a matmul of this batch should be a multiple of}: whole groups
     * with panels, whose sums are stored 16 x 16 at a time (a share of 12 rows stored them one by one, and a
     * stories260K prefill on two threads was slower than on one), else whole tiles
     */
    public static int shareRows(int batch) {
        return usesPanels(batch) ? GROUP_ROWS : TILE_ROWS;
    }

    /** {@return the rows of x in one vector of a panel: the unit {@link #transposeToPanels} splits its work in} */
    public static int panelVectorRows() {
        return F.length();
    }

    /** {@return the floats of the panels of B rows of n floats: whole panels} */
    public static long panelFloats(int batch, int n) {
        return (long) Math.ceilDiv(batch, PANEL_ROWS) * PANEL_ROWS * n;
    }

    /**
     * Transposes x (B, n) into panels of {@value #TILE_VECTORS} x L rows, for the rows of the vectors
     * {@code vectorFrom..vectorTo-1} (L rows each) only, so that threads can share the work: row {@code t}, element
     * {@code k} goes to index {@code (t / P * n + k) * P + t % P} of {@code panels}, with P = TILE_VECTORS x L. So a
     * vector of a panel holds one input element of L consecutive rows of x, and the four vectors of a panel for
     * element k are consecutive. Rows from B up to the next multiple of L are zeros (a tile computes them,
     * {@link #storeSums} leaves them out); the vectors after that are not written.
     */
    public static void transposeToPanels(MemorySegment panels, MemorySegment x, int batch, int n, int vectorFrom,
                                         int vectorTo) {
        int rowTo = Math.min(batch, vectorTo * F.length());
        int t = vectorFrom * F.length();
        if (Transpose16.AVAILABLE) {
            // 16 rows (one vector of a panel) by 16 elements at a time, in registers; the elements past the last
            // multiple of 16 one by one
            int blocksEnd = n / 16 * 16;
            for (; t + 16 <= rowTo; t += 16) {
                long dst = panelIndex(t, n);
                long src = (long) t * n;
                for (int k = 0; k < blocksEnd; k += 16) {
                    Transpose16.storeTransposed(panels, (dst + (long) k * PANEL_ROWS) * Float.BYTES,
                            (long) PANEL_ROWS * Float.BYTES, x, (src + k) * Float.BYTES, (long) n * Float.BYTES, null, 0);
                }
                for (int i = 0; i < 16; i++) {
                    for (int k = blocksEnd; k < n; k++) {
                        panels.setAtIndex(F32, dst + i + (long) k * PANEL_ROWS, x.getAtIndex(F32, src + (long) i * n + k));
                    }
                }
            }
        }
        // four rows at a time, so that each step writes four consecutive floats of a panel: three times faster than
        // one row at a time, whose every store went to another cache line
        for (; t + 4 <= rowTo; t += 4) { // t is a multiple of 4, as L is: the four rows are in one panel
            long dst = panelIndex(t, n);
            long src = (long) t * n;
            for (int k = 0; k < n; k++) {
                long at = dst + (long) k * PANEL_ROWS;
                long from = src + k;
                panels.setAtIndex(F32, at, x.getAtIndex(F32, from));
                panels.setAtIndex(F32, at + 1, x.getAtIndex(F32, from + n));
                panels.setAtIndex(F32, at + 2, x.getAtIndex(F32, from + 2L * n));
                panels.setAtIndex(F32, at + 3, x.getAtIndex(F32, from + 3L * n));
            }
        }
        // the rows left, then zeros up to the end of the last vector
        int padTo = Math.min(vectorTo, Math.ceilDiv(batch, F.length())) * F.length();
        for (; t < padTo; t++) {
            long dst = panelIndex(t, n);
            for (int k = 0; k < n; k++) {
                float value = t < batch ? x.getAtIndex(F32, (long) t * n + k) : 0f;
                panels.setAtIndex(F32, dst + (long) k * PANEL_ROWS, value);
            }
        }
    }

    /** {@return the index in the panels of element 0 of row t of x (n floats a row)} */
    private static long panelIndex(int t, int n) {
        return (long) (t / PANEL_ROWS) * PANEL_ROWS * n + t % PANEL_ROWS;
    }

    /**
     * Linear layer for the output rows {@code rowFrom..rowTo-1} only, from x transposed into panels
     * ({@link #transposeToPanels}, every vector of the batch): W (d,n) @ x (n,) + bias (d,) -> out (d,), for each of
     * the B rows of x.
     *
     * <p>A tile multiplies each weight, broadcast to all lanes, by the four vectors of a panel, six rows of W at a
     * time ({@link MatmulTiles#tile6x4}: 24 accumulators, each output one lane). Each output is the chain of
     * multiply-adds in input order, w[0] x[0] first, and needs no sum across lanes at the end: those lane sums (a
     * butterfly per output) were a fifth of a matmul with n = 768 when tiles were dot products along the rows. The bits
     * of an output do not depend on how the rows are split between threads (they differ from a decode step's, which
     * sums in another order). The panels are processed in blocks that stay in cache while this thread's rows of W
     * stream past them, so W is read once per block, not once per row of x. Rows of other dtypes are first widened or
     * dequantized into the workspace ({@link Widening#widen}, exactly), so the multiply-adds always read floats.
     *
     * @param out (B, d)
     * @param w (d, n) in {@code wType}
     * @param panels x (B, n) transposed by {@link #transposeToPanels}
     * @param bias (d,), or null for none
     */
    public static void matmulPanels(MemorySegment out, MemorySegment w, DType wType, MemorySegment panels,
                                    MemorySegment bias, int batch, int n, int d, int rowFrom, int rowTo,
                                    Workspace workspace) {
        long rowBytes = (long) n * Float.BYTES;
        int xBlock = (int) Math.min(X_BLOCK_MAX_ROWS, Math.min(batch, X_BLOCK_BYTES / rowBytes));
        xBlock = Math.max(1, xBlock / PANEL_ROWS) * PANEL_ROWS;
        // scratch: a group's sums (GROUP_ROWS rows of xBlock floats), then a tile widened to F32 if it is not
        long sumsRowBytes = (long) xBlock * Float.BYTES;
        long widenedAt = GROUP_ROWS * sumsRowBytes;
        MemorySegment scratch = workspace.floats(widenedAt / Float.BYTES + (wType == DType.F32 ? 0L : TILE_ROWS * n));
        for (int b0 = 0; b0 < batch; b0 += xBlock) {
            int b1 = Math.min(batch, b0 + xBlock);
            for (int g = rowFrom; g < rowTo; g += GROUP_ROWS) {
                int groupEnd = Math.min(rowTo, g + GROUP_ROWS);
                for (int r = g; r < groupEnd; r += TILE_ROWS) {
                    int rows = Math.min(TILE_ROWS, groupEnd - r);
                    MemorySegment tile = w;
                    long tileAt = r * rowBytes;
                    if (wType != DType.F32) {
                        tile = scratch;
                        tileAt = widenedAt;
                        Widening.widen(w, wType, (long) r * n, tile, widenedAt / Float.BYTES, rows * n);
                    }
                    for (int p0 = b0; p0 < b1; p0 += PANEL_ROWS) {
                        long panelAt = p0 * rowBytes;
                        long tileSumsAt = (r - g) * sumsRowBytes + (long) (p0 - b0) * Float.BYTES;
                        int vectors = Math.ceilDiv(Math.min(PANEL_ROWS, b1 - p0), F.length());
                        if (rows == TILE_ROWS && vectors == TILE_VECTORS) {
                            MatmulTiles.tile6x4(tile, tileAt, rowBytes, panels, panelAt, n, scratch, tileSumsAt,
                                    sumsRowBytes);
                        } else {
                            MatmulTiles.tileRemainder(tile, tileAt, rowBytes, rows, panels, panelAt, vectors, n,
                                    scratch, tileSumsAt, sumsRowBytes);
                        }
                    }
                }
                storeSums(out, b0, b1, d, g, groupEnd, bias, scratch, xBlock);
            }
        }
    }

    /**
     * Writes the sums of a group of weight rows {@code r0..r1-1} against x rows {@code b0..b1-1} (those of weight row
     * r from float {@code (r - r0) * sumsRow} of {@code sums} on, in the order of x rows) to out[b, r], plus the bias.
     * A group spans whole cache lines of an out row: written one tile at a time, with out rows a power of two apart
     * (2048 floats) the lines all fell in one L1 set and evicted each other, 15% of a matmul. With 16 lanes, blocks of
     * 16 x 16 are transposed in registers ({@link Transpose16#storeTransposed}); one element at a time this took 6% of
     * a matmul with n = 768.
     */
    private static void storeSums(MemorySegment out, int b0, int b1, int d, int r0, int r1, MemorySegment bias,
                                  MemorySegment sums, int sumsRow) {
        int r = r0;
        if (Transpose16.AVAILABLE) {
            int blocksEnd = b0 + (b1 - b0) / 16 * 16;
            for (; r + 16 <= r1; r += 16) {
                for (int b = b0; b < blocksEnd; b += 16) {
                    Transpose16.storeTransposed(out, ((long) b * d + r) * Float.BYTES, (long) d * Float.BYTES, sums,
                            ((long) (r - r0) * sumsRow + b - b0) * Float.BYTES, (long) sumsRow * Float.BYTES, bias,
                            (long) r * Float.BYTES);
                }
                storeSumsOneByOne(out, blocksEnd, b1, d, r, r + 16, b0, r0, bias, sums, sumsRow);
            }
        }
        storeSumsOneByOne(out, b0, b1, d, r, r1, b0, r0, bias, sums, sumsRow);
    }

    /** {@link #storeSums} for x rows {@code b0..b1-1} and weight rows {@code r0..r1-1} of a group from sumsB0, sumsR0. */
    private static void storeSumsOneByOne(MemorySegment out, int b0, int b1, int d, int r0, int r1, int sumsB0,
                                          int sumsR0, MemorySegment bias, MemorySegment sums, int sumsRow) {
        for (int b = b0; b < b1; b++) {
            long outRow = (long) b * d;
            for (int r = r0; r < r1; r++) {
                storeOutput(out, outRow + r, sums.getAtIndex(F32, b - sumsB0 + (long) (r - sumsR0) * sumsRow), bias, r);
            }
        }
    }

    /**
     * A decode step's rows {@code rowFrom..rowTo-1} of a type with a fused dot product, which
     * {@link QuantizedDot#dotRows} multiplies k rows at a time ({@link QuantizedDot#rowsAtOnce}): the share is cut
     * into k parts, and each call takes the rows at the same place in each part (k streams through memory, k chains
     * of multiply-adds); sixteen rows' accumulators are then summed at once where there are 16 lanes
     * ({@link Transpose16#storeLaneSums}, the bits of {@link VectorMath#sumLanes}): with rows of 768, a call of four
     * Q8_0 rows that summed its own took a fifth longer. Rows past the end of a part or of the share repeat its last
     * row (computed twice, stored twice, the same).
     */
    private static void decodeSpread(MemorySegment out, MemorySegment w, DType wType, long blockRowBytes,
                                     MemorySegment x, MemorySegment bias, int n, int rowFrom, int rowTo,
                                     Workspace workspace) {
        long v = F.vectorByteSize();
        int k = QuantizedDot.rowsAtOnce(wType);
        int calls = 16 / k;
        // 16 accumulators (16 / k calls of k rows), then the vector of their lane sums
        MemorySegment sums = workspace.floats(17L * F.length());
        long laneSumsAt = 16 * v;
        int part = Math.ceilDiv(rowTo - rowFrom, k);
        int partEnd = rowFrom + part - 1;
        int last = rowTo - 1;
        for (int r = rowFrom; r <= partEnd; r += calls) {
            for (int i = 0; i < calls; i++) {
                int ri = Math.min(r + i, partEnd);
                QuantizedDot.dotRows(wType, w, ri * blockRowBytes, Math.min(ri + part, last) * blockRowBytes,
                        Math.min(ri + 2 * part, last) * blockRowBytes, Math.min(ri + 3 * part, last) * blockRowBytes,
                        x, n, sums, (long) i * k * v);
            }
            if (Transpose16.AVAILABLE) {
                Transpose16.storeLaneSums(sums, laneSumsAt, sums, 0);
            }
            for (int j = 0; j < 16; j++) { // accumulator j: call j / k, part j % k
                int row = Math.min(Math.min(r + j / k, partEnd) + j % k * part, last);
                storeOutput(out, row, Transpose16.laneSum(sums, j, laneSumsAt), bias, row);
            }
        }
    }

    /**
     * Rows {@code rowFrom..rowTo-1} of W one at a time, each against every row of x: a block type with a fused dot
     * product ({@link QuantizedDot}) straight from its blocks, other dtypes as F32 (widened or dequantized into the
     * workspace first if they are not).
     */
    private static void matmulRowByRow(MemorySegment out, MemorySegment w, DType wType, MemorySegment x,
                                       MemorySegment bias, int batch, int n, int d, int rowFrom, int rowTo,
                                       Workspace workspace) {
        long rowBytes = (long) n * Float.BYTES;
        if (QuantizedDot.fuses(wType)) {
            long blockRowBytes = wType.byteSize(n);
            if (batch == 1) {
                decodeSpread(out, w, wType, blockRowBytes, x, bias, n, rowFrom, rowTo, workspace);
                return;
            }
            MemorySegment lanes = workspace.floats(F.length());
            for (int r = rowFrom; r < rowTo; r++) {
                long rowAt = r * blockRowBytes;
                for (int b = 0; b < batch; b++) {
                    float sum = QuantizedDot.dot(wType, w, rowAt, x, b * rowBytes, n, lanes);
                    storeOutput(out, (long) b * d + r, sum, bias, r);
                }
            }
            return;
        }
        int r = rowFrom;
        // short rows four at a time (VectorMath.dotFour): four short rows are one stretch of memory, which the
        // prefetcher follows as one stream (four long rows are four streams)
        if (VECTORIZED && wType == DType.F32 && n <= SHORT_ROW_FLOATS) {
            for (; r + 4 <= rowTo; r += 4) {
                for (int b = 0; b < batch; b++) {
                    long outAt = ((long) b * d + r) * Float.BYTES;
                    dotFour(w, r * rowBytes, rowBytes, x, b * rowBytes, n, out, outAt);
                    if (bias != null) {
                        for (int i = 0; i < 4; i++) {
                            long at = outAt + (long) i * Float.BYTES;
                            out.set(F32, at, out.get(F32, at) + bias.getAtIndex(F32, r + i));
                        }
                    }
                }
            }
        }
        for (; r < rowTo; r++) {
            MemorySegment row = w;
            long rowOffset = r * rowBytes;
            if (wType != DType.F32) {
                row = workspace.floats(n);
                rowOffset = 0;
                Widening.widen(w, wType, (long) r * n, row, 0, n);
            }
            for (int b = 0; b < batch; b++) {
                storeOutput(out, (long) b * d + r, dot(row, rowOffset, x, b * rowBytes, n), bias, r);
            }
        }
    }

    private static void storeOutput(MemorySegment out, long index, float sum, MemorySegment bias, int row) {
        out.setAtIndex(F32, index, bias == null ? sum : sum + bias.getAtIndex(F32, row));
    }
}
