package dev.forwardpass.backend.java.kernels;

import dev.forwardpass.conformance.Tolerance;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** RMSNorm and LayerNorm against the oracle. */
class NormKernelsTest extends KernelComparisonTest {
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
                NormKernels.rmsNorm(actual, x, weight, rows, n, 1e-5f);
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
                NormKernels.layerNorm(actual, x, weight, bias, rows, n, 1e-5f);
                assertClose(Tolerance.F32, expected, actual, "layerNorm [" + rows + ", " + n + "]", seed);
            }
        }
    }
}
