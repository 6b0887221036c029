package dev.forwardpass.backend.java.kernels;

import dev.forwardpass.api.DType;
import dev.forwardpass.conformance.Tolerance;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Weight widening and the embedding lookup built on it; exact, as every F16 and BF16 value is a float. */
class WideningTest extends KernelComparisonTest {
    private static final int BIT_PATTERNS = 1 << 16;

    @Test
    void widenF16AgreesWithFloat16ToFloatOnEveryValue() {
        float[] expected = new float[BIT_PATTERNS];
        for (int bits = 0; bits < BIT_PATTERNS; bits++) {
            expected[bits] = Float.float16ToFloat((short) bits);
        }
        assertWidensEveryBitPatternTo(expected, DType.F16);
    }

    @Test
    void widenBf16AgreesWithTheUpperHalfOfAFloatOnEveryValue() {
        float[] expected = new float[BIT_PATTERNS];
        for (int bits = 0; bits < BIT_PATTERNS; bits++) {
            expected[bits] = Float.intBitsToFloat(bits << 16);
        }
        assertWidensEveryBitPatternTo(expected, DType.BF16);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void embedding(DType tableType) {
        int vocab = 5;
        int[] tokens = {3, 0, 4, 3};
        for (int dim : sizes(tableType)) {
            long seed = seed(dim, tableType.ordinal());
            MemorySegment table = weights(seed, vocab * dim, tableType);
            MemorySegment expected = floats(tokens.length * dim);
            MemorySegment actual = floats(tokens.length * dim);
            ScalarKernels.embedding(expected, table, tableType, tokens, dim);
            Widening.embedding(actual, table, tableType, tokens, dim);
            assertClose(Tolerance.EXACT, expected, actual, "embedding dim=" + dim + " " + tableType, seed);
        }
    }

    /** Widens the 16-bit patterns 0..65535 as {@code type} and expects {@code expected[bits]} for each, bit for bit. */
    private void assertWidensEveryBitPatternTo(float[] expected, DType type) {
        MemorySegment halves = arena.allocate(BIT_PATTERNS * 2L);
        for (int bits = 0; bits < BIT_PATTERNS; bits++) {
            halves.setAtIndex(Elements.BITS16, bits, (short) bits);
        }
        MemorySegment floats = arena.allocate(BIT_PATTERNS * 4L);
        Widening.widen(halves, type, 0, floats, 0, BIT_PATTERNS);
        Tolerance.EXACT.assertClose(expected, toArray(floats, BIT_PATTERNS),
                "widen " + type + " of all 65536 bit patterns " + VectorMath.describe());
    }
}
