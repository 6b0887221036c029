package dev.forwardpass.backend.java.kernels;

import dev.forwardpass.conformance.Tolerance;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The activations and the elementwise arithmetic against the oracle. */
class ElementwiseKernelsTest extends KernelComparisonTest {
    @Test
    void elementwiseOps() {
        for (int n : SIZES) {
            long seed = seed(n, 0);
            MemorySegment x = random(seed, n, 10);
            MemorySegment y = random(seed + 1, n, 1);
            MemorySegment expected = floats(n);
            MemorySegment actual = floats(n);

            ScalarKernels.gelu(expected, x, n);
            ElementwiseKernels.gelu(actual, x, n);
            assertClose(Tolerance.F32, expected, actual, "gelu [" + n + "]", seed);

            ScalarKernels.swiglu(expected, x, y, n);
            ElementwiseKernels.swiglu(actual, x, y, n);
            assertClose(Tolerance.F32, expected, actual, "swiglu [" + n + "]", seed);

            ScalarKernels.add(expected, x, y, n, n);
            ElementwiseKernels.add(actual, x, y, n, n);
            assertClose(Tolerance.EXACT, expected, actual, "add [" + n + "]", seed);
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
            ElementwiseKernels.add(actual, a, row, 3 * n, n);
            assertClose(Tolerance.EXACT, expected, actual, "add [3, " + n + "] + [" + n + "]", seed);
        }
    }
}
