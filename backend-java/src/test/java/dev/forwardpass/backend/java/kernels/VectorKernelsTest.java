package dev.forwardpass.backend.java.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forwardpass.api.AttentionShape;
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
