package dev.forwardpass.backend.java.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.RopeLayout;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The oracle itself, against values worked out by hand. */
class ScalarKernelsTest {
    private static final float EPS = 1e-6f;

    @Test
    void rmsNormOfAConstantVectorIsTheWeight() {
        // mean(x²) = c², so x / sqrt(c²) = 1 (eps 0) and out = weight
        MemorySegment out = of(0, 0, 0);
        ScalarKernels.rmsNorm(out, of(-4, -4, -4), of(1, 2, 3), 1, 3, 0f);
        assertArrayEquals(new float[] {-1, -2, -3}, values(out), EPS);
    }

    @Test
    void layerNormCentresAndScales() {
        // x = [1, 3]: mean 2, variance 1, so (x - mean) / 1 = [-1, 1]; then * [2, 2] + [10, 20]
        MemorySegment out = of(0, 0);
        ScalarKernels.layerNorm(out, of(1, 3), of(2, 2), of(10, 20), 1, 2, 0f);
        assertArrayEquals(new float[] {8, 22}, values(out), EPS);
    }

    @Test
    void ropeRotatesByNinetyDegrees() {
        // one pair, inverse frequency π/2: at position 1 the pair (1, 0) turns into (0, 1), at position 2 into (-1, 0)
        Rope quarterTurn = Rope.ofInverseFrequencies(new float[] {(float) (Math.PI / 2)}, RopeLayout.INTERLEAVED);
        MemorySegment x = of(1, 0);
        ScalarKernels.rope(x, 1, 2, 1, quarterTurn);
        assertArrayEquals(new float[] {0, 1}, values(x), EPS);
        ScalarKernels.rope(x, 1, 2, 1, quarterTurn);
        assertArrayEquals(new float[] {-1, 0}, values(x), EPS);
    }

    @Test
    void ropeLayoutsPairDifferentElements() {
        // head size 4, positions 1: pairs (0,1),(2,3) when interleaved, (0,2),(1,3) when half-split
        float[] inverse = {(float) (Math.PI / 2), 0f}; // the second pair does not turn
        MemorySegment interleaved = of(1, 0, 5, 6);
        ScalarKernels.rope(interleaved, 1, 4, 1, Rope.ofInverseFrequencies(inverse, RopeLayout.INTERLEAVED));
        assertArrayEquals(new float[] {0, 1, 5, 6}, values(interleaved), EPS);
        MemorySegment halves = of(1, 5, 0, 6);
        ScalarKernels.rope(halves, 1, 4, 1, Rope.ofInverseFrequencies(inverse, RopeLayout.HALF_SPLIT));
        assertArrayEquals(new float[] {0, 5, 1, 6}, values(halves), EPS);
    }

    @Test
    void attentionAtTheFirstPositionReturnsTheValue() {
        // one key: its weight is 1 whatever the score, so out = v
        MemorySegment out = of(0, 0, 0, 0);
        ScalarKernels.attention(out, of(3, -1, 2, 7), of(0.5f, 2), of(8, 9), 1, 0, new AttentionShape(2, 1, 2));
        assertArrayEquals(new float[] {8, 9, 8, 9}, values(out), EPS);
    }

    @Test
    void attentionWeighsValuesBySoftmaxOfScaledScores() {
        // head size 1, q = 2, keys [0, ln 4 / 2]: scores q·k / sqrt(1) = [0, ln 4], weights [1/5, 4/5]
        MemorySegment out = of(0);
        ScalarKernels.attention(out, of(2), of(0, (float) (Math.log(4) / 2)), of(10, 20), 1, 1,
                new AttentionShape(1, 1, 1));
        assertArrayEquals(new float[] {10f / 5 + 20f * 4 / 5}, values(out), 1e-5f);
    }

    @Test
    void matmulIsRowsDotX() {
        // [[1, 2], [3, 4], [5, 6]] · [1, -1] + [0.5, 0, 0] = [-0.5, -1, -1]
        MemorySegment out = of(0, 0, 0);
        ScalarKernels.matmul(out, of(1, 2, 3, 4, 5, 6), DType.F32, of(1, -1), of(0.5f, 0, 0), 1, 2, 3);
        assertArrayEquals(new float[] {-0.5f, -1, -1}, values(out), EPS);
    }

    @Test
    void siluAndGeluAtKnownPoints() {
        MemorySegment out = of(0, 0, 0);
        ScalarKernels.swiglu(out, of(0, 1, -1), of(1, 1, 1), 3); // silu(x) · 1
        float sigmoidOne = (float) (1 / (1 + Math.exp(-1)));
        assertArrayEquals(new float[] {0, sigmoidOne, -(1 - sigmoidOne)}, values(out), EPS);
        ScalarKernels.gelu(out, of(0, 10, -10), 3);
        assertArrayEquals(new float[] {0, 10, 0}, values(out), EPS); // 0, and saturated at ±10
    }

    private static MemorySegment of(float... values) {
        return MemorySegment.ofArray(values.clone());
    }

    private static float[] values(MemorySegment segment) {
        return segment.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
    }
}
