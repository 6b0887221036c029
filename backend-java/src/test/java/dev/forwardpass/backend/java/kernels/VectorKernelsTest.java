package dev.forwardpass.backend.java.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.conformance.Tolerance;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The vector kernels not yet in a class of their own, each against its scalar definition. */
class VectorKernelsTest extends KernelComparisonTest {
    @Test
    void widenF16AgreesWithFloat16ToFloatOnEveryValue() {
        MemorySegment halves = arena.allocate(65536 * 2L);
        float[] expected = new float[65536];
        for (int bits = 0; bits < 65536; bits++) {
            halves.setAtIndex(Elements.BITS16, bits, (short) bits);
            expected[bits] = Float.float16ToFloat((short) bits);
        }
        MemorySegment floats = arena.allocate(65536 * 4L);
        VectorKernels.widen(halves, DType.F16, 0, floats, 0, 65536);
        Tolerance.EXACT.assertClose(expected, toArray(floats, 65536), "widen F16 of all 65536 bit patterns "
                + VectorMath.describe());
    }

    @Test
    void widenBf16AgreesWithTheUpperHalfOfAFloatOnEveryValue() {
        MemorySegment halves = arena.allocate(65536 * 2L);
        float[] expected = new float[65536];
        for (int bits = 0; bits < 65536; bits++) {
            halves.setAtIndex(Elements.BITS16, bits, (short) bits);
            expected[bits] = Float.intBitsToFloat(bits << 16);
        }
        MemorySegment floats = arena.allocate(65536 * 4L);
        VectorKernels.widen(halves, DType.BF16, 0, floats, 0, 65536);
        Tolerance.EXACT.assertClose(expected, toArray(floats, 65536), "widen BF16 of all 65536 bit patterns "
                + VectorMath.describe());
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void embedding(DType tableType) {
        int vocab = 5;
        int[] tokens = {3, 0, 4, 3};
        for (int dim : SIZES) {
            long seed = seed(dim, tableType.ordinal());
            MemorySegment table = weights(seed, vocab * dim, tableType);
            MemorySegment expected = floats(tokens.length * dim);
            MemorySegment actual = floats(tokens.length * dim);
            ScalarKernels.embedding(expected, table, tableType, tokens, dim);
            VectorKernels.embedding(actual, table, tableType, tokens, dim);
            assertClose(Tolerance.EXACT, expected, actual, "embedding dim=" + dim + " " + tableType, seed);
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void matmul(DType wType) {
        int d = 13; // two tiles of six rows, one row left over
        for (int n : SIZES) {
            // row by row (a decode step, a short prompt), then panels: part of one, one and a part
            for (int batch : new int[] {1, 2, 3, 6, 8, 21, 70}) {
                long seed = seed(n, batch * 10 + wType.ordinal());
                MemorySegment w = weights(seed, d * n, wType);
                MemorySegment x = random(seed + 1, batch * n, 1);
                MemorySegment bias = batch % 2 == 1 ? random(seed + 2, d, 1) : null;
                MemorySegment expected = floats(batch * d);
                MemorySegment actual = floats(batch * d);
                ScalarKernels.matmul(expected, w, wType, x, bias, batch, n, d);
                VectorKernels.matmul(actual, w, wType, x, bias, batch, n, d, workspace);
                String what = "matmul n=" + n + " d=" + d + " B=" + batch + " " + wType + (bias != null ? " bias" : "");
                assertClose(Tolerance.F32.scaleAtol(Math.sqrt(n)), expected, actual, what, seed);
            }
        }
    }

    @Test
    void matmulGivesTheSameBitsHoweverRowsAreSplit() {
        int d = 13;
        for (int n : SIZES) {
            for (int batch : new int[] {5, 21}) { // row by row, panels
                long seed = seed(n, 99 + batch);
                MemorySegment w = random(seed, d * n, 1);
                MemorySegment x = random(seed + 1, batch * n, 1);
                MemorySegment whole = floats(batch * d);
                VectorKernels.matmul(whole, w, DType.F32, x, null, batch, n, d, workspace);
                // the rows in three ranges that cut through tiles, as threads might get them
                MemorySegment split = floats(batch * d);
                VectorKernels.matmul(split, w, DType.F32, x, null, batch, n, d, 0, 3, workspace);
                VectorKernels.matmul(split, w, DType.F32, x, null, batch, n, d, 3, 9, workspace);
                VectorKernels.matmul(split, w, DType.F32, x, null, batch, n, d, 9, d, workspace);
                assertClose(Tolerance.EXACT, whole, split, "matmul B=" + batch + " split into row ranges n=" + n, seed);
            }
        }
    }

    @Test
    void matmulOfAFewRowsGivesTheDecodeBits() {
        int d = 13;
        int batch = VectorKernels.MIN_PANEL_BATCH - 1;
        for (int n : SIZES) {
            long seed = seed(n, 97);
            MemorySegment w = random(seed, d * n, 1);
            MemorySegment x = random(seed + 1, batch * n, 1);
            MemorySegment whole = floats(batch * d);
            VectorKernels.matmul(whole, w, DType.F32, x, null, batch, n, d, workspace);
            MemorySegment oneByOne = floats(batch * d);
            for (int b = 0; b < batch; b++) {
                VectorKernels.matmul(oneByOne.asSlice(b * d * 4L), w, DType.F32, x.asSlice(b * n * 4L), null,
                        1, n, d, workspace);
            }
            assertClose(Tolerance.EXACT, oneByOne, whole, "matmul B=" + batch + " vs row by row n=" + n, seed);
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
        VectorKernels.matmul(actual, w, DType.F32, x, bias, batch, n, d, workspace);
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

    @Test
    void rmsNorm() {
        for (int n : SIZES) {
            for (int rows : new int[] {1, 3}) {
                long seed = seed(n, rows);
                MemorySegment x = random(seed, rows * n, 1);
                MemorySegment weight = random(seed + 1, n, 1);
                MemorySegment expected = floats(rows * n);
                MemorySegment actual = floats(rows * n);
                ScalarKernels.rmsNorm(expected, x, weight, rows, n, 1e-5f);
                VectorKernels.rmsNorm(actual, x, weight, rows, n, 1e-5f);
                assertClose(Tolerance.F32, expected, actual, "rmsNorm [" + rows + ", " + n + "]", seed);
            }
        }
    }

    @Test
    void layerNorm() {
        for (int n : SIZES) {
            for (int rows : new int[] {1, 3}) {
                long seed = seed(n, rows);
                MemorySegment x = random(seed, rows * n, 1);
                MemorySegment weight = random(seed + 1, n, 1);
                MemorySegment bias = random(seed + 2, n, 1);
                MemorySegment expected = floats(rows * n);
                MemorySegment actual = floats(rows * n);
                ScalarKernels.layerNorm(expected, x, weight, bias, rows, n, 1e-5f);
                VectorKernels.layerNorm(actual, x, weight, bias, rows, n, 1e-5f);
                assertClose(Tolerance.F32, expected, actual, "layerNorm [" + rows + ", " + n + "]", seed);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RopeLayout.class)
    void ropeIsBitIdenticalToTheScalarRotation(RopeLayout layout) {
        for (int headSize : new int[] {2, 6, 8, 16, 18, 34, 64, 130}) {
            Rope rope = Rope.of(headSize, 10000f, layout);
            int width = 3 * headSize;
            for (int pos : new int[] {0, 1, 17, 4099, 100_000}) {
                int rows = 3;
                long seed = seed(headSize, pos);
                MemorySegment expected = random(seed, rows * width, 1);
                MemorySegment actual = floats(rows * width);
                actual.copyFrom(expected);
                ScalarKernels.rope(expected, rows, width, pos, rope);
                VectorKernels.rope(actual, rows, width, pos, rope, workspace);
                assertClose(Tolerance.EXACT, expected, actual,
                        "rope " + layout + " headSize=" + headSize + " pos=" + pos, seed);
            }
        }
    }

    @Test
    void attention() {
        AttentionShape[] shapes = {
            new AttentionShape(1, 1, 1), new AttentionShape(2, 2, 7), new AttentionShape(4, 2, 8),
            new AttentionShape(4, 1, 15), new AttentionShape(2, 2, 16), new AttentionShape(3, 3, 17),
            new AttentionShape(4, 2, 64), new AttentionShape(2, 1, 65),
        };
        for (AttentionShape heads : shapes) {
            for (int pos : new int[] {0, 1, 40}) {
                int rows = 3;
                int seqLen = pos + rows;
                long seed = seed(heads.headSize() * 100 + heads.nHeads(), pos);
                MemorySegment q = random(seed, rows * heads.queryDim(), 1);
                MemorySegment keys = random(seed + 1, seqLen * heads.kvDim(), 1);
                MemorySegment values = random(seed + 2, seqLen * heads.kvDim(), 1);
                MemorySegment expected = floats(rows * heads.queryDim());
                MemorySegment actual = floats(rows * heads.queryDim());
                ScalarKernels.attention(expected, q, keys, values, rows, pos, heads);
                VectorKernels.attention(actual, q, keys, values, rows, pos, heads, workspace);
                assertClose(Tolerance.F32, expected, actual, "attention " + heads + " B=3 pos=" + pos, seed);
            }
        }
    }

    @Test
    void softmax() {
        for (int n : SIZES) {
            for (int rows : new int[] {1, 3}) {
                long seed = seed(n, rows);
                MemorySegment x = random(seed, rows * n, 10);
                MemorySegment expected = floats(rows * n);
                MemorySegment actual = floats(rows * n);
                ScalarKernels.softmax(expected, x, rows, n);
                VectorKernels.softmax(actual, x, rows, n);
                assertClose(new Tolerance(1e-7, 1e-4), expected, actual, "softmax [" + rows + ", " + n + "]", seed);
            }
        }
    }

    @Test
    void elementwiseOps() {
        for (int n : SIZES) {
            long seed = seed(n, 0);
            MemorySegment x = random(seed, n, 10);
            MemorySegment y = random(seed + 1, n, 1);
            MemorySegment expected = floats(n);
            MemorySegment actual = floats(n);

            ScalarKernels.silu(expected, x, n);
            VectorKernels.silu(actual, x, n);
            assertClose(Tolerance.F32, expected, actual, "silu [" + n + "]", seed);

            ScalarKernels.gelu(expected, x, n);
            VectorKernels.gelu(actual, x, n);
            assertClose(Tolerance.F32, expected, actual, "gelu [" + n + "]", seed);

            ScalarKernels.swiglu(expected, x, y, n);
            VectorKernels.swiglu(actual, x, y, n);
            assertClose(Tolerance.F32, expected, actual, "swiglu [" + n + "]", seed);

            ScalarKernels.add(expected, x, y, n, n);
            VectorKernels.add(actual, x, y, n, n);
            assertClose(Tolerance.EXACT, expected, actual, "add [" + n + "]", seed);

            ScalarKernels.mul(expected, x, y, n);
            VectorKernels.mul(actual, x, y, n);
            assertClose(Tolerance.EXACT, expected, actual, "mul [" + n + "]", seed);
        }
    }

    @Test
    void addOfOneRowToEveryRow() {
        for (int n : SIZES) {
            long seed = seed(n, 1);
            MemorySegment a = random(seed, 3 * n, 1);
            MemorySegment row = random(seed + 1, n, 1);
            MemorySegment expected = floats(3 * n);
            MemorySegment actual = floats(3 * n);
            ScalarKernels.add(expected, a, row, 3 * n, n);
            VectorKernels.add(actual, a, row, 3 * n, n);
            assertClose(Tolerance.EXACT, expected, actual, "add [3, " + n + "] + [" + n + "]", seed);
        }
    }

    @Test
    void argmax() {
        for (int n : SIZES) {
            long seed = seed(n, 2);
            MemorySegment x = random(seed, n, 1);
            assertEquals(ScalarKernels.argmax(x, n), VectorKernels.argmax(x, n), "argmax [" + n + "] seed=" + seed);
            int first = new SplittableRandom(seed).nextInt(n);
            Elements.setFloat(x, first, 5);
            Elements.setFloat(x, n - 1, 5);
            assertEquals(first, VectorKernels.argmax(x, n), "argmax with a tie [" + n + "] seed=" + seed);
            Elements.setFloat(x, n / 2, Float.NaN);
            assertEquals(ScalarKernels.argmax(x, n), VectorKernels.argmax(x, n), "argmax with a NaN [" + n + "]");
        }
    }
}
