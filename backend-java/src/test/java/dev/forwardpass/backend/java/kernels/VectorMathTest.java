package dev.forwardpass.backend.java.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
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
}
