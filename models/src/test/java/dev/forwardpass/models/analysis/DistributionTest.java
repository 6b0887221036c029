package dev.forwardpass.models.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DistributionTest {

    /** The plain definition, one {@link Math#exp} a logit. */
    private static double logSumExpByDefinition(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double sum = 0;
        for (float logit : logits) {
            sum += Math.exp(logit - max);
        }
        return max + Math.log(sum);
    }

    @Test
    void logSumExpAgreesWithTheDefinitionOnSpreadsFromFlatToPeaked() {
        Random random = new Random(7);
        for (float spread : new float[] {0.01f, 0.5f, 3f, 20f, 200f}) {
            float[] logits = new float[1 + random.nextInt(40_000)];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) (random.nextGaussian() * spread) + 5f;
            }
            double expected = logSumExpByDefinition(logits);
            assertEquals(expected, Distribution.logSumExp(logits), 1e-13 * Math.max(1, Math.abs(expected)),
                    "spread " + spread);
        }
    }

    @Test
    void logSumExpSkipsBannedTokensAndKeepsTheEdgeCases() {
        float ninf = Float.NEGATIVE_INFINITY;
        assertEquals(Math.log(2), Distribution.logSumExp(new float[] {0f, ninf, 0f, ninf}), 1e-15);
        assertEquals(3f, Distribution.logSumExp(new float[] {3f, -200f, -1e30f}), 1e-15);
        assertEquals(ninf, Distribution.logSumExp(new float[] {ninf, ninf}));
        assertEquals(Double.POSITIVE_INFINITY, Distribution.logSumExp(new float[] {1f, Float.POSITIVE_INFINITY}));
    }
}
