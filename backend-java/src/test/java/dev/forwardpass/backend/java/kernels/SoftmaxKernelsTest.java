package dev.forwardpass.backend.java.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forwardpass.conformance.Tolerance;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Softmax against the oracle, and argmax with ties and NaNs. */
class SoftmaxKernelsTest extends KernelComparisonTest {
    @Test
    void softmax() {
        for (int n : SIZES) {
            for (int rows : new int[] {1, 3}) {
                long seed = seed(n, rows);
                MemorySegment x = random(seed, rows * n, 10);
                MemorySegment expected = floats(rows * n);
                MemorySegment actual = floats(rows * n);
                ScalarKernels.softmax(expected, x, rows, n);
                SoftmaxKernels.softmax(actual, x, rows, n);
                assertClose(new Tolerance(1e-7, 1e-4), expected, actual, "softmax [" + rows + ", " + n + "]", seed);
            }
        }
    }

    @Test
    void argmax() {
        for (int n : SIZES) {
            long seed = seed(n, 2);
            MemorySegment x = random(seed, n, 1);
            assertEquals(ScalarKernels.argmax(x, n), SoftmaxKernels.argmax(x, n), "argmax [" + n + "] seed=" + seed);
            int first = new SplittableRandom(seed).nextInt(n);
            Elements.setFloat(x, first, 5);
            Elements.setFloat(x, n - 1, 5);
            assertEquals(first, SoftmaxKernels.argmax(x, n), "argmax with a tie [" + n + "] seed=" + seed);
            Elements.setFloat(x, n / 2, Float.NaN);
            assertEquals(ScalarKernels.argmax(x, n), SoftmaxKernels.argmax(x, n), "argmax with a NaN [" + n + "]");
        }
    }
}
