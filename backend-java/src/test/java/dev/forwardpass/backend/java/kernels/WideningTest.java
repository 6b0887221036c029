package dev.forwardpass.backend.java.kernels;

import dev.forwardpass.api.DType;
import dev.forwardpass.conformance.Tolerance;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Weight widening and the embedding lookup built on it; exact, as every F16 and BF16 value is a float. */
class WideningTest extends KernelComparisonTest {
    @Test
    void widenF16AgreesWithFloat16ToFloatOnEveryValue() {
        MemorySegment halves = arena.allocate(65536 * 2L);
        float[] expected = new float[65536];
        for (int bits = 0; bits < 65536; bits++) {
            halves.setAtIndex(Elements.BITS16, bits, (short) bits);
            expected[bits] = Float.float16ToFloat((short) bits);
        }
        MemorySegment floats = arena.allocate(65536 * 4L);
        Widening.widen(halves, DType.F16, 0, floats, 0, 65536);
        Tolerance.EXACT.assertClose(expected, toArray(floats, 65536), "widen F16 of all 65536 bit patterns "
                + VectorMath.describe());
    }

    @Test
    void widenBf16AgreesWithTheUpperHalfOfAFloatOnEveryValue() {
        MemorySegment halves = arena.allocate(65536 * 2L);
        float[] expected = new float[65536];
        for (int bits = 0; bits < 65536; bits++) {
            halves.setAtIndex(Elements.BITS16, bits, (short) bits);
            expected[bits] = Float.intBitsToFloat(bits << 16);
        }
        MemorySegment floats = arena.allocate(65536 * 4L);
        Widening.widen(halves, DType.BF16, 0, floats, 0, 65536);
        Tolerance.EXACT.assertClose(expected, toArray(floats, 65536), "widen BF16 of all 65536 bit patterns "
                + VectorMath.describe());
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void embedding(DType tableType) {
        int vocab = 5;
        int[] tokens = {3, 0, 4, 3};
        for (int dim : SIZES) {
            long seed = seed(dim, tableType.ordinal());
            MemorySegment table = weights(seed, vocab * dim, tableType);
            MemorySegment expected = floats(tokens.length * dim);
            MemorySegment actual = floats(tokens.length * dim);
            ScalarKernels.embedding(expected, table, tableType, tokens, dim);
            Widening.embedding(actual, table, tableType, tokens, dim);
            assertClose(Tolerance.EXACT, expected, actual, "embedding dim=" + dim + " " + tableType, seed);
        }
    }
}
