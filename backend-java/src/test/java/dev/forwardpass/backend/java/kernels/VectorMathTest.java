package dev.forwardpass.backend.java.kernels;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The arithmetic the vector kernels share. */
class VectorMathTest extends KernelComparisonTest {
    @Test
    void expIsWithinTwoUlpOfMathExpAndTheSameInEveryLane() {
        int n = 100_003;
        MemorySegment x = floats(n);
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            float v = -87f + 175f * i / (n - 1); // the whole unclamped range [-87, 88]
            Elements.setFloat(x, i, v);
            expected[i] = (float) Math.exp(v);
        }
        MemorySegment viaSoftmaxLanes = floats(n);
        for (int i = 0; i < n; i++) {
            float scalar = VectorMath.exp(Elements.getFloat(x, i));
            if (Math.abs(scalar - expected[i]) > 2 * Math.ulp(expected[i])) {
                fail("exp(" + Elements.getFloat(x, i) + ") = " + scalar + ", Math.exp gives " + expected[i]);
            }
            Elements.setFloat(viaSoftmaxLanes, i, scalar);
        }
        // swiglu(x, 1) = silu(x) = x / (1 + exp(-x)) uses the vector exp in its lanes and the scalar one in its tail
        MemorySegment ones = floats(n);
        for (int i = 0; i < n; i++) {
            Elements.setFloat(ones, i, 1f);
        }
        MemorySegment vectorSilu = floats(n);
        ElementwiseKernels.swiglu(vectorSilu, x, ones, n);
        for (int i = 0; i < n; i++) {
            float v = Elements.getFloat(x, i);
            float scalarSilu = v / (VectorMath.exp(-v) + 1f);
            if (Float.floatToIntBits(scalarSilu) != Float.floatToIntBits(Elements.getFloat(vectorSilu, i))) {
                fail("silu(" + v + ") differs between a vector lane and the scalar formula " + VectorMath.describe());
            }
        }
    }

    @Test
    void sumStoredLanesGivesTheBitsOfSumLanes() {
        assumeTrue(Dequantization.VECTORIZED_BLOCKS, "stored lane sums serve the block kernels only");
        int lanes = VectorMath.F.length();
        MemorySegment v = floats(lanes);
        for (long seed = 0; seed < 1000; seed++) {
            MemorySegment values = random(seed, lanes, (float) Math.pow(10, seed % 7)); // sums that round
            MemorySegment.copy(values, 0, v, 0, v.byteSize());
            float expected = VectorMath.sumLanes(FloatVector.fromMemorySegment(VectorMath.F, values, 0, VectorMath.LE));
            float actual = VectorMath.sumStoredLanes(v, 0);
            if (Float.floatToIntBits(expected) != Float.floatToIntBits(actual)) {
                fail("seed " + seed + ": sumStoredLanes " + actual + ", sumLanes " + expected + " " + VectorMath.describe());
            }
        }
    }
}
