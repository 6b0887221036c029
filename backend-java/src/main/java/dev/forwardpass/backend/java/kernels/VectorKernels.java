package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.BITS16;
import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.I;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static dev.forwardpass.backend.java.kernels.VectorMath.S;
import static dev.forwardpass.backend.java.kernels.VectorMath.VECTORIZED;
import static dev.forwardpass.backend.java.kernels.VectorMath.dot;
import static dev.forwardpass.backend.java.kernels.VectorMath.exp;
import static dev.forwardpass.backend.java.kernels.VectorMath.sumLanes;
import static dev.forwardpass.backend.java.kernels.VectorMath.xorShuffle;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.RopeLayout;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * The ops of {@link ScalarKernels}, computed with the Vector API: a vector body of {@code F.loopBound(n)} elements and
 * a scalar tail for the rest. Same arguments, same shapes, F32 arithmetic (results agree with the oracle within a
 * float's rounding, not bit for bit).
 *
 * <p>The vector width is {@link VectorMath}'s.
 *
 * <p>Determinism: every result depends only on the inputs and the vector width, never on the JIT tier or the thread.
 * Sums are reduced across lanes by a fixed butterfly ({@link VectorMath#sumLanes}) rather than
 * {@code reduceLanes(ADD)}, whose order is unspecified, and {@code exp} is {@link VectorMath}'s own polynomial rather
 * than the Vector API's {@code EXP}, whose compiled and interpreted forms may differ in the last bit. A matmul output
 * is computed the same way in every tile of its path (a dot product along the row for a few rows of x, a chain of
 * multiply-adds in input order for a batch), so it does not depend on how rows are split between threads.
 *
 * <p>Allocation: vectors are loaded with {@code FloatVector.fromMemorySegment} itself, never through a helper method of
 * ours. A helper the JIT does not inline returns its vector boxed, on the heap, and the JIT does give up on small
 * methods in big callers once its budget is spent, as it was in a JVM that had run several models and backends: a
 * decode step then allocated 9-18 KB (attention scores, RoPE) where it allocates nothing otherwise.
 */
public final class VectorKernels {
    /** Swaps the elements of each adjacent pair (2i, 2i+1): the partner of each element in interleaved RoPE. */
    private static final VectorShuffle<Float> SWAP_PAIRS = xorShuffle(1);
    /** Whether matmul sums are written out through 16 x 16 register transposes: with 16 lanes (512-bit vectors). */
    private static final boolean TRANSPOSE_16 = VECTORIZED && F.length() == 16;
    /** For {@link #storeTransposed16}: lane j takes lane j - h (up) or j + h (down), and the lanes with bit h set. */
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

    /** GELU's tanh approximation: tanh(sqrt(2/π) (x + 0.044715 x³)). */
    private static final float GELU_CUBIC = 0.044715f;
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    /** Weight rows per batched matmul tile: each x vector loaded feeds six multiply-adds. */
    public static final int TILE_ROWS = 6;
    /** Vectors of x rows per panel and per batched matmul tile: each weight read feeds four multiply-adds. */
    private static final int TILE_VECTORS = 4;
    /**
     * Batches from which a matmul transposes x into panels; smaller ones run row by row like a decode step, as a panel
     * vector would be mostly padding.
     */
    static final int MIN_PANEL_BATCH = 8;
    /** Weight rows whose sums are kept before they are written out: three cache lines of an out row (8 tiles). */
    private static final int GROUP_ROWS = 48;
    /**
     * Bytes of x rows (as panels) a batched matmul keeps hot in L2 while a thread's weight rows stream past them: half
     * of a typical 1 MB L2, so that a whole prefill chunk (128 rows of 768 floats) is one block and W is read once.
     */
    private static final int X_BLOCK_BYTES = 512 * 1024;
    /** At most this many rows of x per block, so that a group's sums (24 KB) stay in L1. */
    private static final int X_BLOCK_MAX_ROWS = 128;

    private VectorKernels() {}

    // ----------------------------------------------------------------------------------------------------------
    // embedding and weight widening

    /**
     * Gathers one row of the table per token.
     *
     * @param out (B, dim) row b receives table[tokens[b], :]
     * @param table (vocab, dim) in {@code tableType}
     * @param tokens (B,)
     */
    public static void embedding(MemorySegment out, MemorySegment table, DType tableType, int[] tokens, int dim) {
        for (int b = 0; b < tokens.length; b++) {
            widen(table, tableType, (long) tokens[b] * dim, out, (long) b * dim, dim);
        }
    }

    /**
     * Converts {@code count} elements of {@code type} to F32, exactly (every F16 and BF16 value is a float).
     *
     * @param src elements of {@code type}, read from element index {@code srcIndex}
     * @param dst F32, written from element index {@code dstIndex}
     */
    public static void widen(MemorySegment src, DType type, long srcIndex, MemorySegment dst, long dstIndex, int count) {
        switch (type) {
            case F32 -> MemorySegment.copy(src, srcIndex * Float.BYTES, dst, dstIndex * Float.BYTES, (long) count * Float.BYTES);
            case F16 -> widenF16(src, srcIndex, dst, dstIndex, count);
            case BF16 -> widenBf16(src, srcIndex, dst, dstIndex, count);
        }
    }

    private static void widenF16(MemorySegment src, long srcIndex, MemorySegment dst, long dstIndex, int count) {
        int i = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(count); i < bound; i += F.length()) {
                ShortVector half = ShortVector.fromMemorySegment(S, src, (srcIndex + i) * 2, LE);
                f16ToFloat((IntVector) half.convertShape(VectorOperators.S2I, I, 0))
                        .intoMemorySegment(dst, (dstIndex + i) * Float.BYTES, LE);
            }
        }
        for (; i < count; i++) {
            dst.setAtIndex(F32, dstIndex + i, Float.float16ToFloat(src.getAtIndex(BITS16, srcIndex + i)));
        }
    }

    /**
     * Binary16 to binary32 on sign-extended 16-bit lanes, by bit manipulation (the Vector API has no such
     * conversion): the exponent and mantissa shift into place and a multiplication by 2^112 rebiases the exponent,
     * which also turns binary16 subnormals into the right normal floats; infinities and NaNs keep an all-ones
     * exponent. Agrees with {@link Float#float16ToFloat} on all 65536 inputs (tested).
     */
    private static FloatVector f16ToFloat(IntVector h) {
        IntVector sign = h.and(0x8000_0000); // sign-extended, so bit 31 is the sign
        IntVector magnitude = h.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        IntVector infOrNan = shifted.or(0x7F80_0000);
        VectorMask<Integer> special = magnitude.compare(VectorOperators.GE, 0x7C00);
        return finite.blend(infOrNan, special).or(sign).reinterpretAsFloats();
    }

    private static void widenBf16(MemorySegment src, long srcIndex, MemorySegment dst, long dstIndex, int count) {
        int i = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(count); i < bound; i += F.length()) {
                ShortVector half = ShortVector.fromMemorySegment(S, src, (srcIndex + i) * 2, LE);
                // bfloat16 is the upper half of a float: shifting out the sign extension leaves exactly that
                ((IntVector) half.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16)
                        .reinterpretAsFloats()
                        .intoMemorySegment(dst, (dstIndex + i) * Float.BYTES, LE);
            }
        }
        for (; i < count; i++) {
            dst.setAtIndex(F32, dstIndex + i, Elements.bf16ToFloat(src.getAtIndex(BITS16, srcIndex + i)));
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // matmul

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
     * <p>A few rows of x (a decode step): one row of W at a time, read once from start to end, each output a dot
     * product along the row (one vector accumulator, its lanes summed by {@link VectorMath#sumLanes}, then the tail
     * in order, then the bias). A single sequential stream is what the hardware prefetcher follows best; interleaving
     * the rows of a tile (four streams 3 KB apart) measured at half the memory bandwidth.
     *
     * <p>A batch ({@link #usesPanels}, a prefill): x is transposed into panels here, then {@link #matmulPanels}. A
     * backend that splits the rows between threads transposes x once instead, and calls matmulPanels from each.
     *
     * @param out (B, d), not x
     * @param w (d, n) in {@code wType}
     * @param x (B, n)
     * @param bias (d,), or null for none
     */
    public static void matmul(MemorySegment out, MemorySegment w, DType wType, MemorySegment x, MemorySegment bias,
                              int batch, int n, int d, int rowFrom, int rowTo, Workspace workspace) {
        if (!usesPanels(batch)) {
            matmulRowByRow(out, w, wType, x, bias, batch, n, d, rowFrom, rowTo, workspace);
            return;
        }
        MemorySegment panels = workspace.transposed(panelFloats(batch, n));
        transposeToPanels(panels, x, batch, n, 0, Math.ceilDiv(batch, panelVectorRows()));
        matmulPanels(out, w, wType, panels, bias, batch, n, d, rowFrom, rowTo, workspace);
    }

    /** {@return whether a matmul of {@code batch} rows of x multiplies panels of x rather than one row at a time} */
    public static boolean usesPanels(int batch) {
        return VECTORIZED && batch >= MIN_PANEL_BATCH;
    }

    /** {@return the rows of x in one vector of a panel: the unit {@link #transposeToPanels} splits its work in} */
    public static int panelVectorRows() {
        return F.length();
    }

    /** {@return the floats of the panels of B rows of n floats: whole panels} */
    public static long panelFloats(int batch, int n) {
        int panelRows = TILE_VECTORS * F.length();
        return (long) Math.ceilDiv(batch, panelRows) * panelRows * n;
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
        int panelRows = TILE_VECTORS * F.length();
        int rowTo = Math.min(batch, vectorTo * F.length());
        int t = vectorFrom * F.length();
        if (TRANSPOSE_16) {
            // 16 rows (one vector of a panel) by 16 elements at a time, in registers; the elements past the last
            // multiple of 16 one by one
            int blocksEnd = n / 16 * 16;
            for (; t + 16 <= rowTo; t += 16) {
                long dst = (long) (t / panelRows) * panelRows * n + t % panelRows;
                long src = (long) t * n;
                for (int k = 0; k < blocksEnd; k += 16) {
                    storeTransposed16(panels, (dst + (long) k * panelRows) * Float.BYTES,
                            (long) panelRows * Float.BYTES, x, (src + k) * Float.BYTES, (long) n * Float.BYTES, null, 0);
                }
                for (int i = 0; i < 16; i++) {
                    for (int k = blocksEnd; k < n; k++) {
                        panels.setAtIndex(F32, dst + i + (long) k * panelRows, x.getAtIndex(F32, src + (long) i * n + k));
                    }
                }
            }
        }
        // four rows at a time, so that each step writes four consecutive floats of a panel: three times faster than
        // one row at a time, whose every store went to another cache line
        for (; t + 4 <= rowTo; t += 4) { // t is a multiple of 4, as L is: the four rows are in one panel
            long dst = (long) (t / panelRows) * panelRows * n + t % panelRows;
            long src = (long) t * n;
            for (int k = 0; k < n; k++) {
                long at = dst + (long) k * panelRows;
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
            long dst = (long) (t / panelRows) * panelRows * n + t % panelRows;
            for (int k = 0; k < n; k++) {
                float value = t < batch ? x.getAtIndex(F32, (long) t * n + k) : 0f;
                panels.setAtIndex(F32, dst + (long) k * panelRows, value);
            }
        }
    }

    /**
     * Linear layer for the output rows {@code rowFrom..rowTo-1} only, from x transposed into panels
     * ({@link #transposeToPanels}, every vector of the batch): W (d,n) @ x (n,) + bias (d,) -> out (d,), for each of
     * the B rows of x.
     *
     * <p>A tile multiplies each weight, broadcast to all lanes, by the four vectors of a panel, six rows of W at a
     * time ({@link #tile6x4}: 24 accumulators, each output one lane). Each output is the chain of multiply-adds in
     * input order, w[0] x[0] first, and needs no sum across lanes at the end: those lane sums (a butterfly per output)
     * were a fifth of a matmul with n = 768 when tiles were dot products along the rows. The bits of an output do not
     * depend on how the rows are split between threads (they differ from a decode step's, which sums in another
     * order). The panels are processed in blocks that stay in cache while this thread's rows of W stream past them,
     * so W is read once per block, not once per row of x. F16 and BF16 rows are first widened into the workspace
     * (exactly), so the multiply-adds always read floats.
     *
     * @param out (B, d)
     * @param w (d, n) in {@code wType}
     * @param panels x (B, n) transposed by {@link #transposeToPanels}
     * @param bias (d,), or null for none
     */
    public static void matmulPanels(MemorySegment out, MemorySegment w, DType wType, MemorySegment panels,
                                    MemorySegment bias, int batch, int n, int d, int rowFrom, int rowTo,
                                    Workspace workspace) {
        int panelRows = TILE_VECTORS * F.length();
        long rowBytes = (long) n * Float.BYTES;
        int xBlock = (int) Math.min(X_BLOCK_MAX_ROWS, Math.min(batch, X_BLOCK_BYTES / rowBytes));
        xBlock = Math.max(1, xBlock / panelRows) * panelRows;
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
                        widen(w, wType, (long) r * n, tile, widenedAt / Float.BYTES, rows * n);
                    }
                    for (int p0 = b0; p0 < b1; p0 += panelRows) {
                        long panelAt = p0 * rowBytes;
                        long tileSumsAt = (r - g) * sumsRowBytes + (long) (p0 - b0) * Float.BYTES;
                        int vectors = Math.ceilDiv(Math.min(panelRows, b1 - p0), F.length());
                        if (rows == TILE_ROWS && vectors == TILE_VECTORS) {
                            tile6x4(tile, tileAt, rowBytes, panels, panelAt, n, scratch, tileSumsAt, sumsRowBytes);
                        } else {
                            tileRemainder(tile, tileAt, rowBytes, rows, panels, panelAt, vectors, n, scratch,
                                    tileSumsAt, sumsRowBytes);
                        }
                    }
                }
                storeSums(out, b0, b1, d, g, groupEnd, bias, scratch, xBlock);
            }
        }
    }

    /**
     * Six rows of W (byte offsets w0, w0 + rowBytes, ...) against the four vectors of a panel at byte offset
     * {@code panelAt}: 24 accumulators (of AVX-512's 32 vector registers: 24 sums, four x vectors and the broadcast
     * weight), so that each x vector loaded feeds six multiply-adds and each weight read feeds four. The sums of
     * weight row i go to {@code sums} at byte offset {@code sumsAt + i * sumsRowBytes}, four vectors.
     */
    private static void tile6x4(MemorySegment w, long w0, long rowBytes, MemorySegment panels, long panelAt, int n,
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
    private static void tileRemainder(MemorySegment w, long w0, long rowBytes, int rows, MemorySegment panels,
                                      long panelAt, int vectors, int n, MemorySegment sums, long sumsAt,
                                      long sumsRowBytes) {
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

    /**
     * Writes the sums of a group of weight rows {@code r0..r1-1} against x rows {@code b0..b1-1} (those of weight row
     * r from float {@code (r - r0) * sumsRow} of {@code sums} on, in the order of x rows) to out[b, r], plus the bias.
     * A group spans whole cache lines of an out row: written one tile at a time, with out rows a power of two apart
     * (2048 floats) the lines all fell in one L1 set and evicted each other, 15% of a matmul. With 16 lanes, blocks of
     * 16 x 16 are transposed in registers ({@link #storeTransposed16}); one element at a time this took 6% of a
     * matmul with n = 768.
     */
    private static void storeSums(MemorySegment out, int b0, int b1, int d, int r0, int r1, MemorySegment bias,
                                  MemorySegment sums, int sumsRow) {
        int r = r0;
        if (TRANSPOSE_16) {
            int blocksEnd = b0 + (b1 - b0) / 16 * 16;
            for (; r + 16 <= r1; r += 16) {
                for (int b = b0; b < blocksEnd; b += 16) {
                    storeTransposed16(out, ((long) b * d + r) * Float.BYTES, (long) d * Float.BYTES, sums,
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
     * Transposes 16 rows of 16 floats (from byte {@code srcAt}, rows {@code srcRowBytes} apart) into 16 rows of 16
     * (at byte {@code dstAt}, rows {@code dstRowBytes} apart), adding the 16 floats of {@code bias} at byte
     * {@code biasAt} to each unless bias is null. Four butterfly steps, h = 8, 4, 2, 1: rows i and i + h exchange
     * their lanes with bit h clear in one and set in the other (a lane shift and a blend each way), so that after
     * all four, row j holds lane j of every row. Only with 16 lanes ({@link #TRANSPOSE_16}); for x into panels too.
     */
    private static void storeTransposed16(MemorySegment dst, long dstAt, long dstRowBytes, MemorySegment src,
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

    /** Rows {@code rowFrom..rowTo-1} of W one at a time, each against every row of x. */
    private static void matmulRowByRow(MemorySegment out, MemorySegment w, DType wType, MemorySegment x,
                                       MemorySegment bias, int batch, int n, int d, int rowFrom, int rowTo,
                                       Workspace workspace) {
        long rowBytes = (long) n * Float.BYTES;
        for (int r = rowFrom; r < rowTo; r++) {
            MemorySegment row = w;
            long rowOffset = r * rowBytes;
            if (wType != DType.F32) {
                row = workspace.floats(n);
                rowOffset = 0;
                widen(w, wType, (long) r * n, row, 0, n);
            }
            for (int b = 0; b < batch; b++) {
                tile1x1(out, (long) b * d + r, row, rowOffset, x, b * rowBytes, n, bias, r);
            }
        }
    }

    /** One row of W against one row of x: a dot product along the row (see {@link #matmul}). Writes out[b, r]. */
    private static void tile1x1(MemorySegment out, long outAt, MemorySegment w, long w0,
                                MemorySegment x, long x0, int n, MemorySegment bias, int r) {
        float s = 0;
        int j = 0;
        if (VECTORIZED) {
            FloatVector a = FloatVector.zero(F);
            int lanes = F.length();
            int bound = F.loopBound(n);
            // Two vectors per iteration, one after the other into the one accumulator (the same sums in the same
            // order as one per iteration): left to itself the JIT unrolls this loop eight times once it has seen long
            // rows, and that form streamed rows of 2048 floats or more at half the memory bandwidth (10 GB/s against
            // 25 here); written two by two it unrolls less and streams at full speed whatever the row length.
            for (; j + 2 * lanes <= bound; j += 2 * lanes) {
                long o = (long) j * Float.BYTES;
                a = fromMemorySegment(F, w, w0 + o, LE).fma(fromMemorySegment(F, x, x0 + o, LE), a);
                long o2 = o + F.vectorByteSize();
                a = fromMemorySegment(F, w, w0 + o2, LE).fma(fromMemorySegment(F, x, x0 + o2, LE), a);
            }
            for (; j < bound; j += lanes) {
                long o = (long) j * Float.BYTES;
                a = fromMemorySegment(F, w, w0 + o, LE).fma(fromMemorySegment(F, x, x0 + o, LE), a);
            }
            s = sumLanes(a);
        }
        for (; j < n; j++) {
            long o = (long) j * Float.BYTES;
            s = Math.fma(w.get(F32, w0 + o), x.get(F32, x0 + o), s);
        }
        storeOutput(out, outAt, s, bias, r);
    }

    private static void storeOutput(MemorySegment out, long index, float dot, MemorySegment bias, int row) {
        out.setAtIndex(F32, index, bias == null ? dot : dot + bias.getAtIndex(F32, row));
    }

    // ----------------------------------------------------------------------------------------------------------
    // normalization

    /**
     * RMSNorm of each row, as llama2.c: out = weight * x / sqrt(mean(x²) + eps).
     *
     * @param out (B, n), may be x
     * @param x (B, n)
     * @param weight (n,)
     */
    public static void rmsNorm(MemorySegment out, MemorySegment x, MemorySegment weight, int rows, int n, float eps) {
        for (int b = 0; b < rows; b++) {
            long row = (long) b * n * Float.BYTES;
            float ss = sumOfSquares(x, row, n);
            float scale = 1f / (float) Math.sqrt(ss / n + eps);
            int j = 0;
            if (VECTORIZED) {
                for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                    long o = (long) j * Float.BYTES;
                    fromMemorySegment(F, weight, o, LE).mul(fromMemorySegment(F, x, row + o, LE).mul(scale)).intoMemorySegment(out, row + o, LE);
                }
            }
            for (; j < n; j++) {
                long o = (long) j * Float.BYTES;
                out.set(F32, row + o, weight.get(F32, o) * (x.get(F32, row + o) * scale));
            }
        }
    }

    /**
     * LayerNorm of each row: out = (x - mean) / sqrt(var + eps) * weight + bias (biased variance, two passes).
     *
     * @param out (B, n), may be x
     * @param x (B, n)
     * @param weight (n,)
     * @param bias (n,)
     */
    public static void layerNorm(MemorySegment out, MemorySegment x, MemorySegment weight, MemorySegment bias,
                                 int rows, int n, float eps) {
        for (int b = 0; b < rows; b++) {
            long row = (long) b * n * Float.BYTES;
            float mean = sum(x, row, n) / n;
            float variance = sumOfSquaredDeviations(x, row, n, mean) / n;
            float rstd = 1f / (float) Math.sqrt(variance + eps);
            int j = 0;
            if (VECTORIZED) {
                for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                    long o = (long) j * Float.BYTES;
                    FloatVector normalized = fromMemorySegment(F, x, row + o, LE).sub(mean).mul(rstd);
                    normalized.fma(fromMemorySegment(F, weight, o, LE), fromMemorySegment(F, bias, o, LE)).intoMemorySegment(out, row + o, LE);
                }
            }
            for (; j < n; j++) {
                long o = (long) j * Float.BYTES;
                float normalized = (x.get(F32, row + o) - mean) * rstd;
                out.set(F32, row + o, Math.fma(normalized, weight.get(F32, o), bias.get(F32, o)));
            }
        }
    }

    private static float sum(MemorySegment x, long offset, int n) {
        float s = 0;
        int j = 0;
        if (VECTORIZED) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                acc = acc.add(fromMemorySegment(F, x, offset + (long) j * Float.BYTES, LE));
            }
            s = sumLanes(acc);
        }
        for (; j < n; j++) {
            s += x.get(F32, offset + (long) j * Float.BYTES);
        }
        return s;
    }

    private static float sumOfSquares(MemorySegment x, long offset, int n) {
        float s = 0;
        int j = 0;
        if (VECTORIZED) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                FloatVector v = fromMemorySegment(F, x, offset + (long) j * Float.BYTES, LE);
                acc = v.fma(v, acc);
            }
            s = sumLanes(acc);
        }
        for (; j < n; j++) {
            float v = x.get(F32, offset + (long) j * Float.BYTES);
            s = Math.fma(v, v, s);
        }
        return s;
    }

    private static float sumOfSquaredDeviations(MemorySegment x, long offset, int n, float mean) {
        float s = 0;
        int j = 0;
        if (VECTORIZED) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                FloatVector v = fromMemorySegment(F, x, offset + (long) j * Float.BYTES, LE).sub(mean);
                acc = v.fma(v, acc);
            }
            s = sumLanes(acc);
        }
        for (; j < n; j++) {
            float v = x.get(F32, offset + (long) j * Float.BYTES) - mean;
            s = Math.fma(v, v, s);
        }
        return s;
    }

    // ----------------------------------------------------------------------------------------------------------
    // rope

    /**
     * Rotary position embedding, in place; bit-identical to {@link ScalarKernels#rope} (same float operations, no
     * fused multiply-add). The cosines and sines of a position are computed once into the workspace and applied to
     * every head.
     *
     * @param x (B, width), width a multiple of rope.headSize(); row b is at position pos + b
     */
    public static void rope(MemorySegment x, int rows, int width, int pos, Rope rope, Workspace workspace) {
        int headSize = rope.headSize();
        long tableBytes = (long) headSize * Float.BYTES;
        MemorySegment table = workspace.floats(2L * headSize); // cos (headSize,) then sin (headSize,)
        boolean interleaved = rope.layout() == RopeLayout.INTERLEAVED;
        for (int b = 0; b < rows; b++) {
            int p = pos + b;
            fillRotationTable(table, tableBytes, p, rope, interleaved);
            for (long head = (long) b * width; head < (long) (b + 1) * width; head += headSize) {
                long headOffset = head * Float.BYTES;
                if (interleaved) {
                    rotateInterleaved(x, headOffset, headSize, table, tableBytes);
                } else {
                    rotateHalves(x, headOffset, headSize, table, tableBytes);
                }
            }
        }
    }

    /**
     * Interleaved: cos[2i] = cos[2i+1] = cos θi, and sin[2i] = -sin θi, sin[2i+1] = +sin θi, so that with x' the
     * pair-swapped x, x * cos + x' * sin rotates every pair in one vector expression. Half-split: cos[i] = cos θi and
     * sin[i] = sin θi for the first half only.
     */
    private static void fillRotationTable(MemorySegment table, long sinAt, int p, Rope rope, boolean interleaved) {
        for (int i = 0; i < rope.headSize() / 2; i++) {
            float val = p * rope.inverseFrequency(i);
            float fcr = (float) Math.cos(val);
            float fci = (float) Math.sin(val);
            if (interleaved) {
                long first = 2L * i * Float.BYTES;
                long second = first + Float.BYTES;
                table.set(F32, first, fcr);
                table.set(F32, second, fcr);
                table.set(F32, sinAt + first, -fci);
                table.set(F32, sinAt + second, fci);
            } else {
                long at = (long) i * Float.BYTES;
                table.set(F32, at, fcr);
                table.set(F32, sinAt + at, fci);
            }
        }
    }

    private static void rotateInterleaved(MemorySegment x, long head, int headSize, MemorySegment table, long sinAt) {
        int j = 0;
        if (VECTORIZED) {
            // a vector holds an even number of lanes, so it never splits a pair
            for (int bound = F.loopBound(headSize); j < bound; j += F.length()) {
                long o = (long) j * Float.BYTES;
                FloatVector v = fromMemorySegment(F, x, head + o, LE);
                // lane 2i: v0*cos + v1*(-sin) = v0*fcr - v1*fci; lane 2i+1: v1*cos + v0*sin = v0*fci + v1*fcr
                v.mul(fromMemorySegment(F, table, o, LE)).add(v.rearrange(SWAP_PAIRS).mul(fromMemorySegment(F, table, sinAt + o, LE)))
                        .intoMemorySegment(x, head + o, LE);
            }
        }
        for (; j < headSize; j += 2) {
            long o0 = (long) j * Float.BYTES;
            long o1 = o0 + Float.BYTES;
            float fcr = table.get(F32, o0);
            float fci = table.get(F32, sinAt + o1);
            float v0 = x.get(F32, head + o0);
            float v1 = x.get(F32, head + o1);
            x.set(F32, head + o0, v0 * fcr - v1 * fci);
            x.set(F32, head + o1, v0 * fci + v1 * fcr);
        }
    }

    private static void rotateHalves(MemorySegment x, long head, int headSize, MemorySegment table, long sinAt) {
        int half = headSize / 2;
        long partner = (long) half * Float.BYTES;
        int i = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(half); i < bound; i += F.length()) {
                long o = (long) i * Float.BYTES;
                FloatVector v0 = fromMemorySegment(F, x, head + o, LE);
                FloatVector v1 = fromMemorySegment(F, x, head + partner + o, LE);
                FloatVector fcr = fromMemorySegment(F, table, o, LE);
                FloatVector fci = fromMemorySegment(F, table, sinAt + o, LE);
                v0.mul(fcr).sub(v1.mul(fci)).intoMemorySegment(x, head + o, LE);
                v0.mul(fci).add(v1.mul(fcr)).intoMemorySegment(x, head + partner + o, LE);
            }
        }
        for (; i < half; i++) {
            long o = (long) i * Float.BYTES;
            float fcr = table.get(F32, o);
            float fci = table.get(F32, sinAt + o);
            float v0 = x.get(F32, head + o);
            float v1 = x.get(F32, head + partner + o);
            x.set(F32, head + o, v0 * fcr - v1 * fci);
            x.set(F32, head + partner + o, v0 * fci + v1 * fcr);
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // attention

    /**
     * Causal multi-head attention over a KV cache, for all query rows and heads.
     *
     * @see #attention(MemorySegment, MemorySegment, MemorySegment, MemorySegment, int, AttentionShape, int, int, Workspace)
     */
    public static void attention(MemorySegment out, MemorySegment q, MemorySegment keys, MemorySegment values,
                                 int rows, int pos, AttentionShape heads, Workspace workspace) {
        attention(out, q, keys, values, pos, heads, 0, rows * heads.nHeads(), workspace);
    }

    /**
     * Causal multi-head attention over a KV cache for the items {@code itemFrom..itemTo-1} only (one thread's share),
     * item {@code b * nHeads + h} being head h of query row b (position pos + b): scores[t] = q·k[t] / sqrt(headSize)
     * for t in 0..pos+b, softmax, then the weighted sum of the values. Query head h reads key/value head h / kvMul.
     *
     * <p>Three passes in three methods, for the JIT: each method that takes or returns a vector must be inlined for
     * its vectors to stay in registers, and one compilation can inline only so much Vector API code.
     *
     * @param out (B, nHeads * headSize), not q
     * @param q (B, nHeads * headSize)
     * @param keys (seqLen, nKvHeads * headSize), rows 0..pos+B-1 filled
     * @param values (seqLen, nKvHeads * headSize), rows 0..pos+B-1 filled
     * @param workspace holds the scores (pos + B,) of one item at a time
     */
    public static void attention(MemorySegment out, MemorySegment q, MemorySegment keys, MemorySegment values,
                                 int pos, AttentionShape heads, int itemFrom, int itemTo, Workspace workspace) {
        int headSize = heads.headSize();
        long kvRowBytes = (long) heads.kvDim() * Float.BYTES;
        float sqrtHeadSize = (float) Math.sqrt(headSize);
        for (int item = itemFrom; item < itemTo; item++) {
            int b = item / heads.nHeads();
            int h = item % heads.nHeads();
            int p = pos + b;
            long qHead = ((long) b * heads.queryDim() + (long) h * headSize) * Float.BYTES;
            long kvHead = (long) (h / heads.kvMul()) * headSize * Float.BYTES;
            MemorySegment att = workspace.floats(p + 1); // (p + 1,) scores, then weights
            // iterate over all timesteps, including the current one
            scores(att, q, qHead, keys, kvHead, kvRowBytes, p + 1, headSize, sqrtHeadSize);
            softmaxRow(att, 0, att, 0, p + 1);
            weightedSumOfValues(out, qHead, att, values, kvHead, kvRowBytes, p + 1, headSize);
        }
    }

    /**
     * att[t] = q·keys[t] / sqrt(headSize) for t in 0..steps-1, each score the {@link VectorMath#dot} of q and the
     * key. Four keys at a time, so that four independent dot products are in flight rather than one chain of
     * multiply-adds.
     */
    private static void scores(MemorySegment att, MemorySegment q, long qHead, MemorySegment keys, long kvHead,
                               long kvRowBytes, int steps, int headSize, float sqrtHeadSize) {
        int t = 0;
        if (VECTORIZED) {
            int bound = F.loopBound(headSize);
            for (; t + 4 <= steps; t += 4) {
                long k0 = t * kvRowBytes + kvHead;
                long k1 = k0 + kvRowBytes;
                long k2 = k1 + kvRowBytes;
                long k3 = k2 + kvRowBytes;
                FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
                int j = 0;
                for (; j < bound; j += F.length()) {
                    long o = (long) j * Float.BYTES;
                    FloatVector qv = fromMemorySegment(F, q, qHead + o, LE);
                    a0 = qv.fma(fromMemorySegment(F, keys, k0 + o, LE), a0);
                    a1 = qv.fma(fromMemorySegment(F, keys, k1 + o, LE), a1);
                    a2 = qv.fma(fromMemorySegment(F, keys, k2 + o, LE), a2);
                    a3 = qv.fma(fromMemorySegment(F, keys, k3 + o, LE), a3);
                }
                float s0 = sumLanes(a0);
                float s1 = sumLanes(a1);
                float s2 = sumLanes(a2);
                float s3 = sumLanes(a3);
                for (; j < headSize; j++) {
                    long o = (long) j * Float.BYTES;
                    float qj = q.get(F32, qHead + o);
                    s0 = Math.fma(qj, keys.get(F32, k0 + o), s0);
                    s1 = Math.fma(qj, keys.get(F32, k1 + o), s1);
                    s2 = Math.fma(qj, keys.get(F32, k2 + o), s2);
                    s3 = Math.fma(qj, keys.get(F32, k3 + o), s3);
                }
                att.setAtIndex(F32, t, s0 / sqrtHeadSize);
                att.setAtIndex(F32, t + 1, s1 / sqrtHeadSize);
                att.setAtIndex(F32, t + 2, s2 / sqrtHeadSize);
                att.setAtIndex(F32, t + 3, s3 / sqrtHeadSize);
            }
        }
        for (; t < steps; t++) {
            att.setAtIndex(F32, t, dot(q, qHead, keys, t * kvRowBytes + kvHead, headSize) / sqrtHeadSize);
        }
    }

    /**
     * out[i] = sum over t of att[t] * values[t, i]: each lane i accumulates over all t in order. Four vectors of lanes
     * at a time, so that four independent chains of multiply-adds are in flight.
     */
    private static void weightedSumOfValues(MemorySegment out, long outAt, MemorySegment att, MemorySegment values,
                                            long kvHead, long kvRowBytes, int steps, int headSize) {
        int i = 0;
        if (VECTORIZED) {
            long vectorBytes = F.vectorByteSize();
            for (; i + 4 * F.length() <= headSize; i += 4 * F.length()) {
                long o = kvHead + (long) i * Float.BYTES;
                FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
                for (int t = 0; t < steps; t++) {
                    long row = t * kvRowBytes + o;
                    FloatVector weight = FloatVector.broadcast(F, att.getAtIndex(F32, t));
                    a0 = fromMemorySegment(F, values, row, LE).fma(weight, a0);
                    a1 = fromMemorySegment(F, values, row + vectorBytes, LE).fma(weight, a1);
                    a2 = fromMemorySegment(F, values, row + 2 * vectorBytes, LE).fma(weight, a2);
                    a3 = fromMemorySegment(F, values, row + 3 * vectorBytes, LE).fma(weight, a3);
                }
                long at = outAt + (long) i * Float.BYTES;
                a0.intoMemorySegment(out, at, LE);
                a1.intoMemorySegment(out, at + vectorBytes, LE);
                a2.intoMemorySegment(out, at + 2 * vectorBytes, LE);
                a3.intoMemorySegment(out, at + 3 * vectorBytes, LE);
            }
            for (int bound = F.loopBound(headSize); i < bound; i += F.length()) {
                long o = kvHead + (long) i * Float.BYTES;
                FloatVector acc = FloatVector.zero(F);
                for (int t = 0; t < steps; t++) {
                    acc = fromMemorySegment(F, values, t * kvRowBytes + o, LE).fma(FloatVector.broadcast(F, att.getAtIndex(F32, t)), acc);
                }
                acc.intoMemorySegment(out, outAt + (long) i * Float.BYTES, LE);
            }
        }
        for (; i < headSize; i++) {
            long o = kvHead + (long) i * Float.BYTES;
            float acc = 0;
            for (int t = 0; t < steps; t++) {
                acc = Math.fma(values.get(F32, t * kvRowBytes + o), att.getAtIndex(F32, t), acc);
            }
            out.set(F32, outAt + (long) i * Float.BYTES, acc);
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // softmax and elementwise ops

    /**
     * Softmax of each row: out = exp(x - max(x)) / sum(exp(x - max(x))).
     *
     * @param out (B, n), may be x
     * @param x (B, n)
     */
    public static void softmax(MemorySegment out, MemorySegment x, int rows, int n) {
        for (int b = 0; b < rows; b++) {
            long row = (long) b * n * Float.BYTES;
            softmaxRow(out, row, x, row, n);
        }
    }

    /**
     * Softmax of n floats at byte offset xAt into byte offset outAt; out may be x. Three small loops in three methods:
     * a method that takes or returns a vector must be inlined for its vectors to stay in registers, and the JIT
     * inlines {@link VectorMath#exp(FloatVector)} into a small loop but may not into one big method.
     */
    private static void softmaxRow(MemorySegment out, long outAt, MemorySegment x, long xAt, int n) {
        // find max value (for numerical stability)
        float max = max(x, xAt, n);
        // exp and sum
        float sum = expMinusMaxAndSum(out, outAt, x, xAt, n, max);
        // normalize
        scale(out, outAt, n, 1f / sum);
    }

    private static float max(MemorySegment x, long xAt, int n) {
        float max = Float.NEGATIVE_INFINITY;
        int j = 0;
        if (VECTORIZED) {
            FloatVector maxes = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                maxes = maxes.max(fromMemorySegment(F, x, xAt + (long) j * Float.BYTES, LE));
            }
            max = maxes.reduceLanes(VectorOperators.MAX); // exact in any order, unlike a sum
        }
        for (; j < n; j++) {
            max = Math.max(max, x.get(F32, xAt + (long) j * Float.BYTES));
        }
        return max;
    }

    /** out = exp(x - max); {@return the sum of out} */
    private static float expMinusMaxAndSum(MemorySegment out, long outAt, MemorySegment x, long xAt, int n, float max) {
        float sum = 0;
        int j = 0;
        if (VECTORIZED) {
            FloatVector sums = FloatVector.zero(F);
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                long o = (long) j * Float.BYTES;
                FloatVector e = exp(fromMemorySegment(F, x, xAt + o, LE).sub(max));
                e.intoMemorySegment(out, outAt + o, LE);
                sums = sums.add(e);
            }
            sum = sumLanes(sums);
        }
        for (; j < n; j++) {
            long o = (long) j * Float.BYTES;
            float e = exp(x.get(F32, xAt + o) - max);
            out.set(F32, outAt + o, e);
            sum += e;
        }
        return sum;
    }

    /** out *= factor, n floats at byte offset outAt. */
    private static void scale(MemorySegment out, long outAt, int n, float factor) {
        int j = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                long o = outAt + (long) j * Float.BYTES;
                fromMemorySegment(F, out, o, LE).mul(factor).intoMemorySegment(out, o, LE);
            }
        }
        for (; j < n; j++) {
            long o = outAt + (long) j * Float.BYTES;
            out.set(F32, o, out.get(F32, o) * factor);
        }
    }

    /**
     * SiLU: out = x * sigmoid(x) = x / (1 + exp(-x)).
     *
     * @param out (size,), may be x
     * @param x (size,)
     */
    public static void silu(MemorySegment out, MemorySegment x, int size) {
        int i = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(size); i < bound; i += F.length()) {
                long o = (long) i * Float.BYTES;
                silu(fromMemorySegment(F, x, o, LE)).intoMemorySegment(out, o, LE);
            }
        }
        for (; i < size; i++) {
            out.setAtIndex(F32, i, silu(x.getAtIndex(F32, i)));
        }
    }

    /**
     * GELU, tanh approximation: out = 0.5 x (1 + tanh(y)) with y = sqrt(2/π) (x + 0.044715 x³), computed as the
     * identical x / (1 + exp(-2y)), which has no cancellation near zero.
     *
     * @param out (size,), may be x
     * @param x (size,)
     */
    public static void gelu(MemorySegment out, MemorySegment x, int size) {
        int i = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(size); i < bound; i += F.length()) {
                long o = (long) i * Float.BYTES;
                FloatVector v = fromMemorySegment(F, x, o, LE);
                FloatVector y = v.mul(v).mul(v).mul(GELU_CUBIC).add(v).mul(SQRT_2_OVER_PI);
                v.div(exp(y.mul(-2f)).add(1f)).intoMemorySegment(out, o, LE);
            }
        }
        for (; i < size; i++) {
            float v = x.getAtIndex(F32, i);
            float y = (v * v * v * GELU_CUBIC + v) * SQRT_2_OVER_PI;
            out.setAtIndex(F32, i, v / (exp(y * -2f) + 1f));
        }
    }

    /**
     * SwiGLU's gate: out = silu(gate) * up.
     *
     * @param out (size,), may be gate or up
     * @param gate (size,)
     * @param up (size,)
     */
    public static void swiglu(MemorySegment out, MemorySegment gate, MemorySegment up, int size) {
        int i = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(size); i < bound; i += F.length()) {
                long o = (long) i * Float.BYTES;
                silu(fromMemorySegment(F, gate, o, LE)).mul(fromMemorySegment(F, up, o, LE)).intoMemorySegment(out, o, LE);
            }
        }
        for (; i < size; i++) {
            out.setAtIndex(F32, i, silu(gate.getAtIndex(F32, i)) * up.getAtIndex(F32, i));
        }
    }

    private static FloatVector silu(FloatVector x) {
        return x.div(exp(x.neg()).add(1f));
    }

    private static float silu(float x) {
        return x / (exp(-x) + 1f);
    }

    /**
     * out = a + b, where b repeats every {@code bSize} elements (bSize = size, or one row added to every row).
     *
     * @param out (size,), may be a or b
     * @param a (size,)
     * @param b (bSize,), bSize divides size
     */
    public static void add(MemorySegment out, MemorySegment a, MemorySegment b, int size, int bSize) {
        for (long row = 0; row < size; row += bSize) {
            long rowAt = row * Float.BYTES;
            int i = 0;
            if (VECTORIZED) {
                for (int bound = F.loopBound(bSize); i < bound; i += F.length()) {
                    long o = (long) i * Float.BYTES;
                    fromMemorySegment(F, a, rowAt + o, LE).add(fromMemorySegment(F, b, o, LE)).intoMemorySegment(out, rowAt + o, LE);
                }
            }
            for (; i < bSize; i++) {
                long o = (long) i * Float.BYTES;
                out.set(F32, rowAt + o, a.get(F32, rowAt + o) + b.get(F32, o));
            }
        }
    }

    /**
     * out = a * b, elementwise.
     *
     * @param out (size,), may be a or b
     * @param a (size,)
     * @param b (size,)
     */
    public static void mul(MemorySegment out, MemorySegment a, MemorySegment b, int size) {
        int i = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(size); i < bound; i += F.length()) {
                long o = (long) i * Float.BYTES;
                fromMemorySegment(F, a, o, LE).mul(fromMemorySegment(F, b, o, LE)).intoMemorySegment(out, o, LE);
            }
        }
        for (; i < size; i++) {
            out.setAtIndex(F32, i, a.getAtIndex(F32, i) * b.getAtIndex(F32, i));
        }
    }

    /**
     * {@return the index of the largest element, the first one on ties}: the maximum by vectors, then the first
     * index holding it. With a NaN present no element equals the maximum, and the plain scan decides, as in
     * {@link ScalarKernels#argmax}.
     *
     * @param x (n,)
     */
    public static int argmax(MemorySegment x, int n) {
        if (!VECTORIZED || n < F.length()) {
            return ScalarKernels.argmax(x, n);
        }
        float max = max(x, 0, n);
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += F.length()) {
            VectorMask<Float> hits = fromMemorySegment(F, x, (long) j * Float.BYTES, LE).compare(VectorOperators.EQ, max);
            if (hits.anyTrue()) {
                return j + hits.firstTrue();
            }
        }
        for (; j < n; j++) {
            if (x.getAtIndex(F32, j) == max) {
                return j;
            }
        }
        return ScalarKernels.argmax(x, n);
    }

    /** {@return the shuffle where lane j takes lane j + by (mod 16)}, or null without 16 lanes */
    private static VectorShuffle<Float> shift16(int by) {
        return TRANSPOSE_16 ? VectorShuffle.fromOp(F, j -> (j + by + 16) % 16) : null;
    }

    /** {@return the mask of the lanes j with {@code j & h} nonzero}, or null without 16 lanes */
    private static VectorMask<Float> high16(int h) {
        if (!TRANSPOSE_16) {
            return null;
        }
        boolean[] bits = new boolean[16];
        for (int j = 0; j < 16; j++) {
            bits[j] = (j & h) != 0;
        }
        return VectorMask.fromArray(F, bits, 0);
    }
}
