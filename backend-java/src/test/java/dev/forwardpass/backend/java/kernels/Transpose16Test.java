package dev.forwardpass.backend.java.kernels;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The transposes and lane sums of 16 vectors of 16 floats. */
class Transpose16Test extends KernelComparisonTest {
    @Test
    void storeLaneSumsGivesEachVectorTheBitsOfSumLanes() {
        assumeTrue(Transpose16.AVAILABLE, "with 16 lanes only");
        long vectorBytes = VectorMath.F.vectorByteSize();
        MemorySegment sums = floats(16);
        for (long seed = 0; seed < 200; seed++) {
            MemorySegment vectors = random(seed, 16 * 16, (float) Math.pow(10, seed % 7)); // sums that round
            Transpose16.storeLaneSums(sums, 0, vectors, 0);
            for (int j = 0; j < 16; j++) {
                float expected = VectorMath.sumLanes(
                        FloatVector.fromMemorySegment(VectorMath.F, vectors, j * vectorBytes, VectorMath.LE));
                float actual = Elements.getFloat(sums, j);
                if (Float.floatToIntBits(expected) != Float.floatToIntBits(actual)) {
                    fail("seed " + seed + ", vector " + j + ": storeLaneSums " + actual + ", sumLanes " + expected);
                }
            }
        }
    }
}
