package dev.forwardpass.backend.java.kernels;

import dev.forwardpass.api.Rope;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.conformance.Tolerance;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** RoPE, bit for bit the oracle's rotation. */
class RopeKernelsTest extends KernelComparisonTest {
    /** Head sizes and heads a row. */
    private static final int[][] SHAPES = {
        {2, 3}, {6, 3}, {8, 3}, {16, 3}, {18, 3}, {34, 3}, {64, 3}, {130, 3}, {2, 8}, {4, 8}, {8, 8}, {8, 4},
    };

    @ParameterizedTest
    @EnumSource(RopeLayout.class)
    void ropeIsBitIdenticalToTheScalarRotation(RopeLayout layout) {
        // rows of 3 heads, and of 8 (whole vectors of short heads: several heads a vector)
        for (int[] shape : SHAPES) {
            int headSize = shape[0];
            Rope rope = Rope.of(headSize, 10000f, layout);
            int width = shape[1] * headSize;
            for (int pos : new int[] {0, 1, 17, 4099, 100_000}) {
                int rows = 3;
                long seed = seed(headSize, pos);
                MemorySegment expected = random(seed, rows * width, 1);
                MemorySegment actual = floats(rows * width);
                actual.copyFrom(expected);
                ScalarKernels.rope(expected, rows, width, pos, rope);
                RopeKernels.rope(actual, rows, width, pos, rope, workspace);
                assertClose(Tolerance.EXACT, expected, actual,
                        "rope " + layout + " headSize=" + headSize + " width=" + width + " pos=" + pos, seed);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RopeLayout.class)
    void ropeAtAPositionPerRowIsBitIdenticalToTheScalarRotation(RopeLayout layout) {
        int[] positions = {4099, 0, 17, 100_000, 1};
        for (int[] shape : SHAPES) {
            int headSize = shape[0];
            Rope rope = Rope.of(headSize, 10000f, layout);
            int width = shape[1] * headSize;
            long seed = seed(headSize, positions.length);
            MemorySegment expected = random(seed, positions.length * width, 1);
            MemorySegment actual = floats(positions.length * width);
            actual.copyFrom(expected);
            ScalarKernels.rope(expected, width, positions, rope);
            RopeKernels.rope(actual, width, positions, rope, workspace);
            assertClose(Tolerance.EXACT, expected, actual,
                    "rope " + layout + " headSize=" + headSize + " width=" + width + " at a position per row", seed);
        }
    }
}
