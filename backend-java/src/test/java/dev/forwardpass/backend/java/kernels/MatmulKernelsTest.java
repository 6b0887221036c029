package dev.forwardpass.backend.java.kernels;

import dev.forwardpass.api.DType;
import dev.forwardpass.conformance.Tolerance;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Matmul against the oracle, and the bits it promises whatever the batch, tile or split of rows between threads. */
class MatmulKernelsTest extends KernelComparisonTest {
    @ParameterizedTest
    @EnumSource(DType.class)
    void matmul(DType wType) {
        int d = 13; // two tiles of six rows, one row left over
        for (int n : sizes(wType)) {
            // row by row (a decode step), a batched decode step (the last pass of two rows part full), then panels:
            // part of one, one and a part
            for (int batch : new int[] {1, 2, 3, 6, 8, 9, 13, 16, 21, 70}) {
                long seed = seed(n, batch * 10 + wType.ordinal());
                MemorySegment w = weights(seed, d * n, wType);
                MemorySegment x = random(seed + 1, batch * n, 1);
                MemorySegment bias = batch % 2 == 1 ? random(seed + 2, d, 1) : null;
                MemorySegment expected = floats(batch * d);
                MemorySegment actual = floats(batch * d);
                ScalarKernels.matmul(expected, w, wType, x, bias, batch, n, d);
                MatmulKernels.matmul(actual, w, wType, x, bias, batch, n, d, workspace);
                String what = "matmul n=" + n + " d=" + d + " B=" + batch + " " + wType + (bias != null ? " bias" : "");
                assertClose(Tolerance.F32.scaleAtol(Math.sqrt(n)), expected, actual, what, seed);
            }
        }
    }

    @Test
    void matmulGivesTheSameBitsHoweverRowsAreSplit() {
        int d = 13;
        for (int n : SIZES) {
            for (int batch : new int[] {5, 13, 21}) { // a batched decode step, panels
                long seed = seed(n, 99 + batch);
                MemorySegment w = random(seed, d * n, 1);
                MemorySegment x = random(seed + 1, batch * n, 1);
                MemorySegment whole = floats(batch * d);
                MatmulKernels.matmul(whole, w, DType.F32, x, null, batch, n, d, workspace);
                // the rows in three ranges that cut through tiles, as threads might get them
                MemorySegment split = floats(batch * d);
                MatmulKernels.matmul(split, w, DType.F32, x, null, batch, n, d, 0, 3, workspace);
                MatmulKernels.matmul(split, w, DType.F32, x, null, batch, n, d, 3, 9, workspace);
                MatmulKernels.matmul(split, w, DType.F32, x, null, batch, n, d, 9, d, workspace);
                assertClose(Tolerance.EXACT, whole, split, "matmul B=" + batch + " split into row ranges n=" + n, seed);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void aDecodeStepGivesEachOutputTheDotOfItsRow(DType wType) {
        // 13 rows: passes of eight rows two apart (SmallBatchMatmul), or one group of sixteen accumulators: four
        // calls of four rows four apart (Q8_0), eight of two rows seven apart (Q4_0) or sixteen of one row (Q4_K,
        // Q6_K), some repeating the last row; short rows four at a time and one left over (VectorMath.dotFour).
        // 37 rows: three such groups, the last cut short.
        for (int d : new int[] {13, 37}) {
            for (int n : sizes(wType)) {
                long seed = seed(n, 96 + wType.ordinal() + d);
                MemorySegment w = weights(seed, d * n, wType);
                MemorySegment x = random(seed + 1, n, 1);
                MemorySegment bias = random(seed + 2, d, 1);
                MemorySegment actual = floats(d);
                MatmulKernels.matmul(actual, w, wType, x, bias, 1, n, d, workspace);
                MemorySegment expected = floats(d);
                MemorySegment row = floats(n);
                MemorySegment lanes = floats(VectorMath.F.length());
                for (int r = 0; r < d; r++) {
                    float dot;
                    if (QuantizedDot.fuses(wType)) {
                        dot = QuantizedDot.dot(wType, w, wType.byteSize((long) r * n), x, 0, n, lanes);
                    } else {
                        Widening.widen(w, wType, (long) r * n, row, 0, n);
                        dot = VectorMath.dot(row, 0, x, 0, n);
                    }
                    expected.setAtIndex(Elements.F32, r, dot + bias.getAtIndex(Elements.F32, r));
                }
                assertClose(Tolerance.EXACT, expected, actual,
                        "decode step " + wType + " vs VectorMath.dot d=" + d + " n=" + n, seed);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void matmulOfAFewRowsGivesTheDecodeBits(DType wType) {
        int d = 13;
        // a last pass of one row or of two, eight rows of x and then some, and the largest batches before panels
        int panelBatch = QuantizedDot.fuses(wType) ? MatmulKernels.MIN_FUSED_PANEL_BATCH : MatmulKernels.MIN_PANEL_BATCH;
        int maxBatch = panelBatch - 1;
        for (int batch : new int[] {3, 6, 11, maxBatch}) {
            if (batch > maxBatch) {
                continue; // the fused quantized types go to panels from fewer rows
            }
            assertAFewRowsGiveTheDecodeBits(wType, batch, d);
        }
    }

    private void assertAFewRowsGiveTheDecodeBits(DType wType, int batch, int d) {
        for (int n : sizes(wType)) {
            long seed = seed(n, 97 + batch);
            MemorySegment w = weights(seed, d * n, wType);
            MemorySegment x = random(seed + 1, batch * n, 1);
            MemorySegment whole = floats(batch * d);
            MatmulKernels.matmul(whole, w, wType, x, null, batch, n, d, workspace);
            MemorySegment oneByOne = floats(batch * d);
            for (int b = 0; b < batch; b++) {
                MatmulKernels.matmul(oneByOne.asSlice(b * d * 4L), w, wType, x.asSlice(b * n * 4L), null,
                        1, n, d, workspace);
            }
            assertClose(Tolerance.EXACT, oneByOne, whole, "matmul B=" + batch + " " + wType + " vs row by row n=" + n,
                    seed);
        }
    }

    @Test
    void matmulPanelsOfEveryShapeGiveTheMultiplyAddsInInputOrder() {
        // x rows for full panels and a last one of two vectors, or of three, the last vector partly padding (and
        // several blocks of x when n is large)
        int lanes = VectorMath.F.length();
        int panelRows = 4 * lanes;
        for (int n : SIZES) {
            assertPanelsGiveTheMultiplyAddsInInputOrder(2 * panelRows + lanes + 3, n);
        }
        for (int n : new int[] {7, 65, 257}) {
            assertPanelsGiveTheMultiplyAddsInInputOrder(panelRows + 2 * lanes + 1, n);
        }
    }

    private void assertPanelsGiveTheMultiplyAddsInInputOrder(int batch, int n) {
        int d = 65; // two groups of weight rows, 48 + 17: tiles of six rows, then five rows left over
        long seed = seed(n, 98 + batch);
        MemorySegment w = random(seed, d * n, 1);
        MemorySegment x = random(seed + 1, batch * n, 1);
        MemorySegment bias = random(seed + 2, d, 1);
        MemorySegment actual = floats(batch * d);
        MatmulKernels.matmul(actual, w, DType.F32, x, bias, batch, n, d, workspace);
        // the definition the panels compute exactly: w[0] x[0] first, each step one rounding (fma), then the bias
        float[] expected = new float[batch * d];
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < d; r++) {
                float s = 0;
                for (int k = 0; k < n; k++) {
                    s = Math.fma(Elements.getFloat(w, (long) r * n + k), Elements.getFloat(x, (long) b * n + k), s);
                }
                expected[b * d + r] = s + Elements.getFloat(bias, r);
            }
        }
        Tolerance.EXACT.assertClose(expected, toArray(actual, batch * d),
                "matmul panels B=" + batch + " d=" + d + " n=" + n + " seed=" + seed + " " + VectorMath.describe());
    }
}
