package dev.forwardpass.backend.java.kernels;

import dev.forwardpass.api.Rope;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.conformance.Tolerance;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** RoPE, bit for bit the oracle's rotation. */
class RopeKernelsTest extends KernelComparisonTest {
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
                RopeKernels.rope(actual, rows, width, pos, rope, workspace);
                assertClose(Tolerance.EXACT, expected, actual,
                        "rope " + layout + " headSize=" + headSize + " pos=" + pos, seed);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RopeLayout.class)
    void ropeAtAPositionPerRowIsBitIdenticalToTheScalarRotation(RopeLayout layout) {
        int[] positions = {4099, 0, 17, 100_000, 1};
        for (int headSize : new int[] {2, 6, 8, 16, 18, 34, 64, 130}) {
            Rope rope = Rope.of(headSize, 10000f, layout);
            int width = 3 * headSize;
            long seed = seed(headSize, positions.length);
            MemorySegment expected = random(seed, positions.length * width, 1);
            MemorySegment actual = floats(positions.length * width);
            actual.copyFrom(expected);
            ScalarKernels.rope(expected, width, positions, rope);
            RopeKernels.rope(actual, width, positions, rope, workspace);
            assertClose(Tolerance.EXACT, expected, actual,
                    "rope " + layout + " headSize=" + headSize + " at a position per row", seed);
        }
    }
}
