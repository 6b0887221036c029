package dev.forwardpass.api.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.DType;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The quantizers' guarantees, type by type. Byte-exactness against ggml is tested where ggml's bytes are
 * ({@code QuantVectorsTest} in the models module, every block type); here every type is held, on more values, to the
 * error its rounding allows and, where the algorithm makes it so, to giving back the same bytes for its own
 * dequantized values.
 */
class QuantizerTest {
    private static final int COUNT = 256 * 64;

    /** Weights as a trained model has them (normal, σ 0.02) and values spread evenly over [-1, 1]. */
    private static float[][] samples() {
        SplittableRandom random = new SplittableRandom(16);
        float[] normal = new float[COUNT];
        float[] uniform = new float[COUNT];
        for (int i = 0; i < COUNT; i++) {
            normal[i] = (float) (random.nextGaussian() * 0.02);
            uniform[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return new float[][] {normal, uniform};
    }

    private static float[] roundTrip(DType type, float[] x) {
        return Dequantizer.dequantize(type, MemorySegment.ofArray(Quantizer.quantize(type, x)), 0, x.length);
    }

    /**
     * A 32-element block's error is half a step, where the step is the block's range over its levels; a full step
     * for the value the symmetric types clamp (-max lands on level 7 or 15 of 0..15 or 0..31); plus the F16
     * rounding of the stored scale (2^-11 relative, times the largest level) and of the stored minimum.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void aBlockIsWithinHalfAStepOfItsValues(DType type) {
        for (float[] x : samples()) {
            float[] y = roundTrip(type, x);
            for (int block = 0; block < COUNT; block += 32) {
                float min = Float.MAX_VALUE;
                float max = -Float.MAX_VALUE;
                float amax = 0;
                for (int j = block; j < block + 32; j++) {
                    min = Math.min(min, x[j]);
                    max = Math.max(max, x[j]);
                    amax = Math.max(amax, Math.abs(x[j]));
                }
                double halfUlp = 1.0 / 2048;
                int topLevel = switch (type) {
                    case Q8_0 -> 127;
                    case Q4_0 -> 8;
                    case Q5_0 -> 16;
                    case Q4_1 -> 15;
                    default -> 31;
                };
                boolean withMinimum = type == DType.Q4_1 || type == DType.Q5_1;
                boolean symmetric = type == DType.Q4_0 || type == DType.Q5_0;
                double step = (withMinimum ? max - min : amax) / (double) topLevel;
                double scaleError = topLevel * step * halfUlp + (withMinimum ? Math.abs(min) * halfUlp : 0);
                for (int j = block; j < block + 32; j++) {
                    boolean clamped = symmetric && Math.abs(x[j]) > (topLevel - 0.5) * step;
                    double bound = (clamped ? step : step / 2) + scaleError;
                    assertTrue(Math.abs(x[j] - y[j]) <= bound * (1 + 1e-5), type + " element " + j + ": " + x[j]
                            + " came back as " + y[j] + ", more than " + bound + " away");
                }
            }
        }
    }

    /**
     * The K-quants search each group's scale (and minimum) instead of taking it from the extremes, then store the
     * scales in 6 bits: the result must be no worse than plainly rounding each group with the step of its own range
     * (Q4_K: range / 15, Q5_K: range / 31, groups of 32 from min(0, min) to max) or magnitude (Q6_K: max|x| / 32,
     * groups of 16), whose RMS error is step / √12.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_K", "Q5_K", "Q6_K"})
    void kQuantsDoAtLeastAsWellAsRoundingEachGroupWithItsOwnStep(DType type) {
        int group = type == DType.Q6_K ? 16 : 32;
        for (float[] x : samples()) {
            float[] y = roundTrip(type, x);
            double expected = 0;
            double actual = 0;
            for (int start = 0; start < COUNT; start += group) {
                float min = 0;
                float max = 0;
                float amax = 0;
                for (int j = start; j < start + group; j++) {
                    min = Math.min(min, x[j]);
                    max = Math.max(max, x[j]);
                    amax = Math.max(amax, Math.abs(x[j]));
                    actual += (double) (x[j] - y[j]) * (x[j] - y[j]);
                }
                double step = switch (type) {
                    case Q4_K -> (max - min) / 15.0;
                    case Q5_K -> (max - min) / 31.0;
                    default -> amax / 32.0;
                };
                expected += step * step / 12 * group;
            }
            assertTrue(actual <= expected, type + ": RMS error " + Math.sqrt(actual / COUNT)
                    + " above the plain rounding's " + Math.sqrt(expected / COUNT));
        }
    }

    /**
     * For the float types and the 32-element block types, the dequantized values quantize back to the same bytes:
     * the block's extreme comes back as exactly level × stored scale, so the scale is found again, and every other
     * value sits on a level. (The K-quants search their scales and make no such promise.)
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void theDequantizedValuesQuantizeBackToTheSameBytes(DType type) {
        for (float[] x : samples()) {
            byte[] bytes = Quantizer.quantize(type, x);
            float[] y = Dequantizer.dequantize(type, MemorySegment.ofArray(bytes), 0, COUNT);
            assertArrayEquals(bytes, Quantizer.quantize(type, y), type.name());
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void zerosStayZeros(DType type) {
        float[] y = roundTrip(type, new float[256]);
        for (int i = 0; i < y.length; i++) {
            assertEquals(0f, y[i], 0f, type + " element " + i); // -0.0 too, as ggml's (0 - 8) * 0 gives
        }
    }

    @Test
    void halvesRoundToNearestEven() {
        assertEquals(0x3C00, Quantizer.toHalf(1 + 0x1p-11f));              // a tie: down to the even 1.0
        assertEquals(0x3C02, Quantizer.toHalf(1 + 3 * 0x1p-11f));          // a tie: up to the even 1 + 2^-9
        assertEquals(0x3C01, Quantizer.toHalf(1 + 0x1p-11f + 0x1p-20f));   // above the tie: up
        assertEquals(0x7C00, Quantizer.toHalf(65520f));                    // past F16's largest: infinity
        assertEquals((short) 0xFE00, Quantizer.toHalf(Float.intBitsToFloat(0xFFC00001))); // quiet NaN, sign kept
    }

    @Test
    void bfloat16RoundsAsGgmlDoes() {
        assertEquals(0x3F80, Quantizer.toBfloat16(1 + 0x1p-8f));           // a tie: down to the even 1.0
        assertEquals(0x3F82, Quantizer.toBfloat16(1 + 3 * 0x1p-8f));       // a tie: up to the even 1 + 2^-6
        assertEquals(0x3F81, Quantizer.toBfloat16(1 + 0x1p-8f + 0x1p-20f));
        assertEquals(0x7FC0, Quantizer.toBfloat16(Float.intBitsToFloat(0x7F800001))); // a signalling NaN made quiet
    }

    @Test
    void nearestIntRoundsTiesToEven() {
        assertEquals(0, Quantizer.nearestInt(0.5f));
        assertEquals(2, Quantizer.nearestInt(1.5f));
        assertEquals(2, Quantizer.nearestInt(2.5f));
        assertEquals(-2, Quantizer.nearestInt(-1.5f));
        assertEquals(-3, Quantizer.nearestInt(-2.7f));
    }
}
