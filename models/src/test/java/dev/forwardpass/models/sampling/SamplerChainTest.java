package dev.forwardpass.models.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.sampling.SamplingParams.Order;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SamplerChainTest {
    /** Probabilities below are hand-computed to 4 decimals. */
    private static final double TOLERANCE = 5e-5;
    private static final float[] LOGITS = {2f, 1f, 0f, -1f};
    /** The 99.9% quantiles of chi-square by degrees of freedom (index), 1 to 11. */
    private static final double[] CHI_SQUARE_999 = {Double.NaN, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32,
        26.12, 27.88, 29.59, 31.26};

    /** Temperature 1 and every step off: each test turns on the one it checks. */
    private static final SamplingParams PLAIN = new SamplingParams(1f, 0, 1f, 0f, 1f, 0f, 0f, 64, Map.of(), 7,
            Order.LLAMA_CPP);

    private static float[] distribution(SamplingParams params, float... logits) {
        return distribution((SamplerChain) params.newSampler(logits.length), logits);
    }

    private static float[] distribution(SamplerChain sampler, float... logits) {
        float[] probabilities = new float[logits.length];
        sampler.distribution(logits.clone(), probabilities);
        return probabilities;
    }

    private static void assertDistribution(double[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOLERANCE, "token " + i);
        }
    }

    @Test
    void plainIsTheSoftmax() {
        // softmax([2, 1, 0, -1]): e^2, e, 1, 1/e = 7.3891, 2.7183, 1, 0.3679, sum 11.4752
        assertDistribution(new double[] {0.6439, 0.2369, 0.0871, 0.0321}, distribution(PLAIN, LOGITS));
    }

    @Test
    void topKKeepsTheKLargest() {
        // top_k 2 -> softmax([2, 1]) = [e/(e+1), 1/(e+1)] = [0.7311, 0.2689]
        assertDistribution(new double[] {0.7311, 0.2689, 0, 0}, distribution(PLAIN.withTopK(2), LOGITS));
        // top_k beyond the vocabulary keeps everything
        assertDistribution(new double[] {0.6439, 0.2369, 0.0871, 0.0321}, distribution(PLAIN.withTopK(9), LOGITS));
    }

    @Test
    void topPKeepsTheShortestPrefixReachingP() {
        // cumulative of [0.6439, 0.2369, 0.0871, 0.0321]: 0.6439, 0.8808, 0.9679 >= 0.9 -> three kept,
        // softmax([2, 1, 0]) = [7.3891, 2.7183, 1] / 11.1074
        assertDistribution(new double[] {0.6652, 0.2447, 0.0900, 0}, distribution(PLAIN.withTopP(0.9f), LOGITS));
    }

    @Test
    void topPExactlyAtPStopsInLlamaCppOrderButNotInRunCs() {
        // four equal logits: probabilities exactly 0.25 each, cumulative 0.25, 0.5, 0.75 (all exact in binary)
        float[] equal = {0f, 0f, 0f, 0f};
        // llama.cpp keeps the prefix whose sum reaches p: 0.5 >= 0.5 after two (ties rank by id)
        assertDistribution(new double[] {0.5, 0.5, 0, 0}, distribution(PLAIN.withTopP(0.5f), equal));
        // run.c needs a sum above p: 0.75 > 0.5 after three
        assertDistribution(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0, 0},
                distribution(PLAIN.withTopP(0.5f).withOrder(Order.RUN_C), equal));
        // run.c's top_p 0 is off; llama.cpp's keeps the first token
        assertDistribution(new double[] {0.25, 0.25, 0.25, 0.25},
                distribution(PLAIN.withTopP(0f).withOrder(Order.RUN_C), equal));
        assertDistribution(new double[] {1, 0, 0, 0}, distribution(PLAIN.withTopP(0f), equal));
    }

    @Test
    void minPKeepsTokensAtLeastThatFractionOfTheLikeliest() {
        // p_i >= 0.3 * p_max <=> logit_i >= 2 + ln 0.3 = 0.7960 -> [2, 1] kept: [0.7311, 0.2689]
        assertDistribution(new double[] {0.7311, 0.2689, 0, 0}, distribution(PLAIN.withMinP(0.3f), LOGITS));
        // 2 + ln 0.1 = -0.3026 -> [2, 1, 0] kept: [0.6652, 0.2447, 0.0900]
        assertDistribution(new double[] {0.6652, 0.2447, 0.0900, 0}, distribution(PLAIN.withMinP(0.1f), LOGITS));
        // min_p 1 keeps the likeliest alone
        assertDistribution(new double[] {1, 0, 0, 0}, distribution(PLAIN.withMinP(1f), LOGITS));
    }

    @Test
    void temperatureDividesTheLogits() {
        // T 2: softmax([1, 0.5, 0, -0.5]) = [2.7183, 1.6487, 1, 0.6065] / 5.9735
        assertDistribution(new double[] {0.4551, 0.2760, 0.1674, 0.1015},
                distribution(PLAIN.withTemperature(2f), LOGITS));
    }

    @Test
    void temperatureLastAndTemperatureFirstGiveDifferentDistributions() {
        float[] logits = {2f, 1f, 0f};
        SamplingParams hot = PLAIN.withTemperature(2f);
        // top_p 0.6. llama.cpp: softmax([2, 1, 0]) = [0.6652, ...], 0.6652 >= 0.6 -> token 0 alone
        assertDistribution(new double[] {1, 0, 0}, distribution(hot.withTopP(0.6f), logits));
        // run.c: softmax([1, 0.5, 0]) = [0.5065, 0.3072, 0.1863]; 0.5065, then 0.8137 > 0.6 -> two kept,
        // softmax([1, 0.5]) = [0.6225, 0.3775]
        assertDistribution(new double[] {0.6225, 0.3775, 0},
                distribution(hot.withTopP(0.6f).withOrder(Order.RUN_C), logits));
        // min_p 0.3. llama.cpp: logit >= 2 + ln 0.3 = 0.796 -> [2, 1], then T 2: softmax([1, 0.5]) = [0.6225, 0.3775]
        assertDistribution(new double[] {0.6225, 0.3775, 0}, distribution(hot.withMinP(0.3f), logits));
        // run.c: p_i / p_max = e^((x - 2) / 2) >= 0.3 <=> x >= 2 + 2 ln 0.3 = -0.408 -> all three kept
        assertDistribution(new double[] {0.5065, 0.3072, 0.1863},
                distribution(hot.withMinP(0.3f).withOrder(Order.RUN_C), logits));
    }

    @Test
    void logitBiasAddsAndMinusInfinityBans() {
        // [2, 1, 0, -1] + {0: -inf, 3: +2} = [-inf, 1, 0, 1] -> softmax over the last three: [e, 1, e] / (2e + 1)
        SamplingParams biased = PLAIN.withLogitBias(Map.of(0, Float.NEGATIVE_INFINITY, 3, 2f));
        assertDistribution(new double[] {0, 0.4223, 0.1554, 0.4223}, distribution(biased, LOGITS));
        for (long seed = 1; seed <= 200; seed++) {
            assertNotEquals(0, biased.withSeed(seed).newSampler(4).sample(LOGITS.clone()), "seed " + seed);
        }
    }

    @Test
    void greedyTakesTheLargestLogitAfterBiasAndPenalties() {
        SamplingParams greedy = SamplingParams.greedy();
        assertEquals(0, greedy.newSampler(4).sample(LOGITS.clone()));
        // [2, 1, 0, -1] + {2: 2.5} = [2, 1, 2.5, -1]
        assertEquals(2, greedy.withLogitBias(Map.of(2, 2.5f)).newSampler(4).sample(LOGITS.clone()));
        // banning the largest leaves the next one
        assertEquals(1, greedy.withLogitBias(Map.of(0, Float.NEGATIVE_INFINITY)).newSampler(4).sample(LOGITS.clone()));
        // repeat_penalty 3 on token 0: 2 / 3 = 0.667 < 1
        TokenSampler penalized = greedy.withRepeatPenalty(3f).newSampler(4);
        penalized.accept(0);
        assertEquals(1, penalized.sample(LOGITS.clone()));
        // one-hot distribution, no draw
        assertDistribution(new double[] {0, 0, 1, 0}, distribution(greedy.withLogitBias(Map.of(2, 2.5f)), LOGITS));
    }

    @Test
    void greedyIsRunCsArgmax() {
        Random random = new Random(17);
        for (int trial = 0; trial < 100; trial++) {
            float[] logits = randomLogits(random, 1 + random.nextInt(300));
            assertEquals(Sampler.argmax(logits), SamplingParams.greedy().newSampler(logits.length).sample(logits));
        }
    }

    @Test
    void repeatPenaltyLooksAtTheLastNAcceptedTokens() {
        float[] logits = {2f, -1f, 1f, 0.5f};
        SamplerChain sampler = (SamplerChain) PLAIN.withRepeatPenalty(2f).withPenaltyLastN(3).newSampler(4);
        for (int token : new int[] {0, 1, 0, 3}) {
            sampler.accept(token);
        }
        // window [1, 0, 3]: 2 / 2 = 1, -1 * 2 = -2 (a negative logit is multiplied), 0.5 / 2 = 0.25; token 2 not seen
        // softmax([1, -2, 1, 0.25]) = [2.7183, 0.1353, 2.7183, 1.2840] / 6.8559
        assertDistribution(new double[] {0.3965, 0.0197, 0.3965, 0.1873}, distribution(sampler, logits));
    }

    @Test
    void frequencyAndPresencePenaltiesCountOccurrencesInTheWindow() {
        float[] logits = {2f, -1f, 1f, 0.5f};
        SamplingParams penalized = PLAIN.withFrequencyPenalty(0.5f).withPresencePenalty(0.25f);
        SamplerChain whole = (SamplerChain) penalized.withPenaltyLastN(SamplingParams.WHOLE_SEQUENCE).newSampler(4);
        for (int token : new int[] {0, 0, 2}) {
            whole.accept(token);
        }
        // token 0 twice: 2 - (2 * 0.5 + 0.25) = 0.75; token 2 once: 1 - (0.5 + 0.25) = 0.25
        // softmax([0.75, -1, 0.25, 0.5]) = [0.3908, 0.0679, 0.2370, 0.3043]
        assertDistribution(new double[] {0.3908, 0.0679, 0.2370, 0.3043}, distribution(whole, logits));

        // frequency 1 over a window of 2 after [0, 0, 2]: window [0, 2], token 0 once: 2 - 1 = 1; token 2: 1 - 1 = 0
        // softmax([1, -1, 0, 0.5]) = [0.4740, 0.0641, 0.1744, 0.2875]
        SamplerChain windowed = (SamplerChain) PLAIN.withFrequencyPenalty(1f).withPenaltyLastN(2).newSampler(4);
        for (int token : new int[] {0, 0, 2}) {
            windowed.accept(token);
        }
        assertDistribution(new double[] {0.4740, 0.0641, 0.1744, 0.2875}, distribution(windowed, logits));
        // penalty_last_n 0 turns them off
        SamplerChain off = (SamplerChain) penalized.withPenaltyLastN(0).newSampler(4);
        off.accept(0);
        assertArrayEquals(distribution(PLAIN, logits), distribution(off, logits));
    }

    @Test
    void aLongSequenceMovesTheWindowAlong() {
        // window 3 over 5000 accepted tokens (the history is compacted and grown on the way): only the last 3 count
        SamplerChain sampler = (SamplerChain) PLAIN.withFrequencyPenalty(1f).withPenaltyLastN(3).newSampler(4);
        for (int i = 0; i < 5000; i++) {
            sampler.accept(i % 4);
        }
        // last three: 4997 % 4 = 1, 2, 3 -> [2, -1 - 1, 1 - 1, 0.5 - 1] = [2, -2, 0, -0.5]
        float[] logits = {2f, -1f, 1f, 0.5f};
        float[] expected = distribution(PLAIN, 2f, -2f, 0f, -0.5f);
        assertArrayEquals(expected, distribution(sampler, logits), 1e-6f);
    }

    @Test
    void sameSeedSameDrawsOtherSeedOtherDraws() {
        Random random = new Random(3);
        float[] logits = randomLogits(random, 50);
        SamplingParams params = SamplingParams.defaults().withTopK(0).withMinP(0f).withTemperature(1.5f);
        int[] first = draws(params.withSeed(42), logits, 200);
        assertArrayEquals(first, draws(params.withSeed(42), logits, 200));
        assertNotEquals(java.util.Arrays.toString(first), java.util.Arrays.toString(draws(params.withSeed(43), logits,
                200)));
    }

    @Test
    void runCOrderWithTheExtrasOffIsRunCsSampler() {
        Random random = new Random(11);
        float[] temperatures = {0f, 0.3f, 1f, 1.7f};
        float[] topPs = {0f, 0.5f, 0.9f, 1f};
        int[] sizes = {1, 2, 7, 100, 1000};
        for (int trial = 0; trial < 200; trial++) {
            float[] logits = randomLogits(random, sizes[trial % sizes.length]);
            float temperature = temperatures[random.nextInt(temperatures.length)];
            float topP = topPs[random.nextInt(topPs.length)];
            long seed = 1 + random.nextInt(1_000_000);
            TokenSampler chain = SamplingParams.runC(temperature, topP, seed).newSampler(logits.length);
            Sampler runC = new Sampler(logits.length, temperature, topP, seed);
            for (int step = 0; step < 20; step++) {
                float[] forChain = logits.clone();
                float[] forRunC = logits.clone();
                assertEquals(runC.sample(forRunC), chain.sample(forChain), "trial " + trial + " step " + step);
                assertArrayEquals(forRunC, forChain, "trial " + trial + " step " + step);
            }
        }
    }

    @Test
    void drawsFollowTheFinalDistribution() {
        // chi-square of 10^5 draws against distribution(), fixed seeds; llama.cpp's defaults and run.c's top-p
        Random random = new Random(5);
        float[] logits = randomLogits(random, 12);
        for (SamplingParams params : new SamplingParams[] {SamplingParams.defaults().withSeed(99),
                SamplingParams.runC(1.2f, 0.9f, 99)}) {
            float[] expected = distribution(params, logits);
            TokenSampler sampler = params.newSampler(logits.length);
            int draws = 100_000;
            int[] counts = new int[logits.length];
            for (int i = 0; i < draws; i++) {
                counts[sampler.sample(logits.clone())]++;
            }
            double chiSquare = 0;
            int cells = 0;
            for (int q = 0; q < logits.length; q++) {
                if (expected[q] == 0) {
                    assertEquals(0, counts[q], "token " + q + " is outside the kept set");
                } else {
                    double e = expected[q] * draws;
                    chiSquare += (counts[q] - e) * (counts[q] - e) / e;
                    cells++;
                }
            }
            assertTrue(cells >= 3, "the test needs a few tokens kept, found " + cells);
            assertTrue(chiSquare < CHI_SQUARE_999[cells - 1],
                    params + ": chi-square " + chiSquare + " over " + cells + " tokens");
        }
    }

    @Test
    void sampleAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        float[] logits = randomLogits(new Random(8), 5000);
        float[] scratch = new float[logits.length];
        TokenSampler sampler = SamplingParams.defaults().withRepeatPenalty(1.1f).withLogitBias(Map.of(3, -1f))
                .withSeed(5).newSampler(logits.length);
        sampler.accept(1);
        for (int i = 0; i < 2000; i++) { // warm up
            System.arraycopy(logits, 0, scratch, 0, logits.length);
            sampler.sample(scratch);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1000; i++) {
            System.arraycopy(logits, 0, scratch, 0, logits.length);
            sampler.sample(scratch);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // a single object per call would be >= 16 000 bytes
        assertTrue(allocated < 1024, allocated + " bytes allocated by 1000 samples");
    }

    @Test
    void nonFiniteLogitsAreRefusedAsRunCsSamplerDoes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SamplingParams.defaults().newSampler(3).sample(new float[] {1f, Float.NaN, 0f}));
        assertEquals("logit 1 is NaN: the model computed a non-finite value", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SamplingParams.greedy().newSampler(2).sample(new float[] {Float.NEGATIVE_INFINITY, 0f}));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.defaults().newSampler(3).sample(new float[2]));
    }

    @Test
    void aBiasThatOverflowsIsRefused() {
        TokenSampler sampler = PLAIN.withLogitBias(Map.of(0, Float.MAX_VALUE)).newSampler(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sampler.sample(new float[] {Float.MAX_VALUE, 0f}));
        assertTrue(e.getMessage().contains("logit_bias"), e.getMessage());
    }

    @Test
    void biasTokensOutsideTheVocabularyAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PLAIN.withLogitBias(Map.of(7, 1f)).newSampler(4));
        assertEquals("logit_bias names token 7, outside the vocabulary of 4 tokens", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PLAIN.withLogitBias(
                Map.of(0, Float.NEGATIVE_INFINITY, 1, Float.NEGATIVE_INFINITY)).newSampler(2));
        assertEquals("logit_bias bans all 2 tokens of the vocabulary", e.getMessage());
    }

    @Test
    void acceptedTokensMustBeInTheVocabulary() {
        TokenSampler sampler = PLAIN.newSampler(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sampler.accept(4));
        assertEquals("token 4 is outside the vocabulary of 4 tokens", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> sampler.accept(-1));
        assertThrows(IllegalArgumentException.class, () -> PLAIN.newSampler(0));
    }

    private static int[] draws(SamplingParams params, float[] logits, int n) {
        TokenSampler sampler = params.newSampler(logits.length);
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = sampler.sample(logits.clone());
        }
        return tokens;
    }

    private static float[] randomLogits(Random random, int n) {
        float[] logits = new float[n];
        for (int i = 0; i < n; i++) {
            logits[i] = (float) (random.nextGaussian() * 2);
        }
        return logits;
    }
}
