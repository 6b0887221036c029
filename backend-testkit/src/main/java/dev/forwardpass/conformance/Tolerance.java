package dev.forwardpass.conformance;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * How close a result must be to its reference: element i passes when {@code |actual - expected| <= atol + rtol *
 * |expected|} (NumPy's {@code allclose}); a NaN passes only against a NaN. A failure names the case and the worst
 * element, so it can be reproduced from the message alone.
 *
 * @param atol absolute tolerance, for elements near zero
 * @param rtol relative tolerance, for the others
 */
public record Tolerance(double atol, double rtol) {
    /**
     * Float32 arithmetic against a more exact reference: an absolute 1e-5 and a relative 1e-4, i.e. about 800 float
     * ulps, room for the reordered sums and the last-bit differences of exp and tanh of any float32 library, yet far
     * below the error of a wrong index, sign or formula, which is of the size of the values themselves.
     */
    public static final Tolerance F32 = new Tolerance(1e-5, 1e-4);

    /** Bit-for-bit equality. */
    public static final Tolerance EXACT = new Tolerance(0, 0);

    /** {@return this tolerance with {@code atol} multiplied by {@code factor}} */
    public Tolerance scaleAtol(double factor) {
        return new Tolerance(atol * factor, rtol);
    }

    /**
     * Fails unless every element of {@code actual} is close to the one of {@code expected}.
     *
     * @param what the op and the case, e.g. {@code "matmul n=4099 d=13 B=3 F16 seed=7"}
     */
    public void assertClose(float[] expected, float[] actual, String what) {
        if (expected.length != actual.length) {
            fail(what + ": expected " + expected.length + " elements, found " + actual.length);
        }
        int failures = 0;
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            boolean pass;
            double excess;
            if (Double.isNaN(e) || Double.isNaN(a)) {
                pass = Double.isNaN(e) && Double.isNaN(a);
                excess = pass ? 0 : Double.POSITIVE_INFINITY;
            } else if (this.equals(EXACT)) {
                pass = Float.floatToIntBits(expected[i]) == Float.floatToIntBits(actual[i]);
                excess = pass ? 0 : Math.max(Math.abs(a - e), Double.MIN_VALUE);
            } else {
                excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
                pass = excess <= 0;
            }
            if (!pass) {
                failures++;
                if (worst < 0 || excess > worstExcess) {
                    worst = i;
                    worstExcess = excess;
                }
            }
        }
        if (failures > 0) {
            double allowed = atol + rtol * Math.abs(expected[worst]);
            fail(String.format(
                    "%s: %d of %d elements differ beyond |a-b| <= %.3g + %.3g*|ref|; worst at index %d: expected %s,"
                            + " actual %s (|diff| %.3g, allowed %.3g)",
                    what, failures, expected.length, atol, rtol, worst, expected[worst], actual[worst],
                    Math.abs((double) actual[worst] - expected[worst]), allowed));
        }
    }
}
