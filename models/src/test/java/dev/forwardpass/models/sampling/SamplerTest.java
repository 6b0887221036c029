package dev.forwardpass.models.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SamplerTest {

    @Test
    void xorshiftMatchesRunCsRandomU32() {
        // computed independently (Python, arbitrary-precision integers masked to 64 bits) from run.c's random_u32
        XorShiftRandom random = new XorShiftRandom(133742);
        long[] expected = {3033531262L, 2674377904L, 2312864567L, 2287415643L, 1408443089L};
        long[] actual = new long[expected.length];
        for (int i = 0; i < expected.length; i++) {
            actual[i] = random.nextU32();
        }
        assertArrayEquals(expected, actual);
    }

    @Test
    void randomF32UsesTheTop24Bits() {
        XorShiftRandom random = new XorShiftRandom(133742);
        assertEquals(0.7062990069389343f, random.nextFloat());
        assertEquals(0.6226770877838135f, random.nextFloat());
    }

    @Test
    void greedyPicksTheFirstLargestLogit() {
        Sampler sampler = new Sampler(4, 0f, 0.9f, 1);
        assertEquals(2, sampler.sample(new float[] {0f, 1f, 3f, 3f}));
    }

    @Test
    void multinomialFollowsTheCumulativeDistribution() {
        // with topP = 1 sampling is multinomial: the first coin of seed 133742 is 0.7063
        Sampler sampler = new Sampler(3, 1f, 1f, 133742);
        // probabilities [0.5, 0.25, 0.25] (logits ln of them): cdf 0.5, 0.75, 1.0 -> coin 0.7063 selects index 1
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.25)};
        assertEquals(1, sampler.sample(logits));
    }

    @Test
    void topPKeepsOnlyTheNucleus() {
        // probabilities [0.1, 0.6, 0.3]; topP 0.5: sorted [0.6, 0.3, 0.1], the nucleus is {1} alone
        for (long seed = 1; seed <= 50; seed++) {
            Sampler sampler = new Sampler(3, 1f, 0.5f, seed);
            float[] logits = {(float) Math.log(0.1), (float) Math.log(0.6), (float) Math.log(0.3)};
            assertEquals(1, sampler.sample(logits), "seed " + seed);
        }
    }

    @Test
    void topPSamplesWithinTheNucleusInDescendingOrder() {
        // probabilities [0.1, 0.6, 0.3], topP 0.8: nucleus [0.6, 0.3] (cumulative 0.9), r = coin * 0.9
        // coin 0.7063 -> r 0.6357 >= 0.6 -> second candidate, token 2
        Sampler sampler = new Sampler(3, 1f, 0.8f, 133742);
        float[] logits = {(float) Math.log(0.1), (float) Math.log(0.6), (float) Math.log(0.3)};
        assertEquals(2, sampler.sample(logits));
        // coin 0.6227 -> r 0.5604 < 0.6 -> first candidate, token 1
        float[] again = {(float) Math.log(0.1), (float) Math.log(0.6), (float) Math.log(0.3)};
        assertEquals(1, sampler.sample(again));
    }

    @Test
    void topPBelowOneOverTheVocabularyKeepsTheLikeliestToken() {
        // run.c's cutoff (1 - 0.1) / (2 - 1) = 0.9 is above both probabilities [0.5, 0.5]: the nucleus is token 0
        for (long seed = 1; seed <= 20; seed++) {
            assertEquals(0, new Sampler(2, 1f, 0.1f, seed).sample(new float[] {0f, 0f}), "seed " + seed);
            // one token: the cutoff divides by n - 1 = 0
            assertEquals(0, new Sampler(1, 1f, 0.5f, seed).sample(new float[] {3f}), "seed " + seed);
        }
    }

    @Test
    void temperatureSharpensTheDistribution() {
        float[] logits = {1f, 2f};
        Sampler sampler = new Sampler(2, 0.5f, 1f, 7);
        sampler.sample(logits);
        // softmax([2, 4]) = [1/(1+e^2), e^2/(1+e^2)]
        assertEquals(1 / (1 + Math.exp(2)), logits[0], 1e-6);
        assertTrue(logits[1] > 0.88);
    }

    @Test
    void aTemperatureSoSmallThatLogitsOverflowStillSamplesTheDistribution() {
        // 3 / 1e-45 overflows a float; at such a temperature the distribution is all on the largest logit
        for (long seed = 1; seed <= 20; seed++) {
            assertEquals(1, new Sampler(3, 1e-45f, 0.9f, seed).sample(new float[] {1f, 3f, -2f}));
            assertEquals(1, new Sampler(3, 1e-45f, 0f, seed).sample(new float[] {1f, 3f, -2f}));
        }
        // two logits equal at the top share it evenly, whatever the temperature
        int first = 0;
        for (long seed = 1; seed <= 400; seed++) {
            int token = new Sampler(3, 1e-40f, 0f, seed).sample(new float[] {5f, -7f, 5f});
            assertTrue(token == 0 || token == 2, "token " + token);
            first += token == 0 ? 1 : 0;
        }
        assertTrue(first > 150 && first < 250, first + " of 400 draws on the first of two equal logits");
    }

    @Test
    void nonFiniteLogitsAreNamedNotSampled() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Sampler(3, 1f, 0.9f, 1).sample(new float[] {1f, Float.NaN, 0f}));
        assertEquals("logit 1 is NaN: the model computed a non-finite value", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new Sampler(2, 0f, 0.9f, 1).sample(new float[] {Float.POSITIVE_INFINITY, 0f}));
    }

    @Test
    void rejectsInvalidSettings() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(10, -1f, 0.9f, 1));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(10, 1f, 1.5f, 1));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(10, 1f, 0.9f, 0));
    }
}
