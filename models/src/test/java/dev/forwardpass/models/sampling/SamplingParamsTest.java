package dev.forwardpass.models.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.sampling.SamplingParams.Order;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class SamplingParamsTest {
    private static final SamplingParams BASE = SamplingParams.runC(1f, 0.9f, 1);

    private static void assertRefused(String message, Supplier<SamplingParams> settings) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, settings::get);
        assertEquals(message, e.getMessage());
    }

    @Test
    void defaultsAreLlamaCpps() {
        SamplingParams defaults = SamplingParams.defaults();
        assertEquals(new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1f, 0f, 0f, 64, Map.of(), defaults.seed(),
                Order.LLAMA_CPP), defaults);
        assertTrue(defaults.seed() > 0);
        assertEquals(0f, SamplingParams.greedy().temperature());
        assertEquals(new SamplingParams(0.7f, 0, 0.5f, 0f, 1f, 0f, 0f, 64, Map.of(), 9, Order.RUN_C),
                SamplingParams.runC(0.7f, 0.5f, 9));
    }

    @Test
    void unseededFactoriesDrawASeedThatCanBeReadBack() {
        SamplingParams first = SamplingParams.defaults();
        assertNotEquals(first.seed(), SamplingParams.defaults().seed());
        assertNotEquals(first.seed(), first.withRandomSeed().seed());
        // the seed read back repeats the run
        float[] logits = {0.3f, 1.2f, -0.4f, 0.9f, 0.1f};
        SamplingParams replay = first.withSeed(first.seed());
        TokenSampler a = first.newSampler(5);
        TokenSampler b = replay.newSampler(5);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.sample(logits.clone()), b.sample(logits.clone()));
        }
    }

    @Test
    void eachCopyChangesOneSetting() {
        SamplingParams all = BASE.withTemperature(0.5f).withTopK(3).withTopP(0.8f).withMinP(0.1f)
                .withRepeatPenalty(1.2f).withPresencePenalty(0.3f).withFrequencyPenalty(-0.4f).withPenaltyLastN(-1)
                .withLogitBias(Map.of(2, -1f)).withSeed(77).withOrder(Order.LLAMA_CPP);
        assertEquals(new SamplingParams(0.5f, 3, 0.8f, 0.1f, 1.2f, 0.3f, -0.4f, -1, Map.of(2, -1f), 77,
                Order.LLAMA_CPP), all);
    }

    @Test
    void theBiasMapIsCopied() {
        Map<Integer, Float> bias = new HashMap<>(Map.of(1, 2f));
        SamplingParams params = BASE.withLogitBias(bias);
        bias.put(3, 1f);
        assertEquals(Map.of(1, 2f), params.logitBias());
        assertThrows(UnsupportedOperationException.class, () -> params.logitBias().put(4, 0f));
    }

    @Test
    void everySettingIsValidatedByName() {
        assertRefused("temperature must be >= 0 and finite, found NaN", () -> BASE.withTemperature(Float.NaN));
        assertRefused("temperature must be >= 0 and finite, found -0.1", () -> BASE.withTemperature(-0.1f));
        assertRefused("temperature must be >= 0 and finite, found Infinity",
                () -> BASE.withTemperature(Float.POSITIVE_INFINITY));
        assertRefused("top_k must be >= 0 (0 is off), found -1", () -> BASE.withTopK(-1));
        assertRefused("top_p must be in [0, 1], found NaN", () -> BASE.withTopP(Float.NaN));
        assertRefused("top_p must be in [0, 1], found -0.5", () -> BASE.withTopP(-0.5f));
        assertRefused("top_p must be in [0, 1], found 1.5", () -> BASE.withTopP(1.5f));
        assertRefused("min_p must be in [0, 1], found NaN", () -> BASE.withMinP(Float.NaN));
        assertRefused("min_p must be in [0, 1], found -0.1", () -> BASE.withMinP(-0.1f));
        assertRefused("min_p must be in [0, 1], found 2.0", () -> BASE.withMinP(2f));
        assertRefused("repeat_penalty must be > 0 and finite, found NaN", () -> BASE.withRepeatPenalty(Float.NaN));
        assertRefused("repeat_penalty must be > 0 and finite, found 0.0", () -> BASE.withRepeatPenalty(0f));
        assertRefused("repeat_penalty must be > 0 and finite, found -1.0", () -> BASE.withRepeatPenalty(-1f));
        assertRefused("repeat_penalty must be > 0 and finite, found Infinity",
                () -> BASE.withRepeatPenalty(Float.POSITIVE_INFINITY));
        assertRefused("presence_penalty must be in [-2, 2], found NaN", () -> BASE.withPresencePenalty(Float.NaN));
        assertRefused("presence_penalty must be in [-2, 2], found -2.5", () -> BASE.withPresencePenalty(-2.5f));
        assertRefused("presence_penalty must be in [-2, 2], found 3.0", () -> BASE.withPresencePenalty(3f));
        assertRefused("frequency_penalty must be in [-2, 2], found NaN", () -> BASE.withFrequencyPenalty(Float.NaN));
        assertRefused("frequency_penalty must be in [-2, 2], found -2.5", () -> BASE.withFrequencyPenalty(-2.5f));
        assertRefused("frequency_penalty must be in [-2, 2], found 2.1", () -> BASE.withFrequencyPenalty(2.1f));
        assertRefused("penalty_last_n must be >= -1 (-1 is the whole sequence, 0 is off), found -2",
                () -> BASE.withPenaltyLastN(-2));
        assertRefused("logit_bias of token 3 must be finite or -Infinity (a ban), found NaN",
                () -> BASE.withLogitBias(Map.of(3, Float.NaN)));
        assertRefused("logit_bias of token 3 must be finite or -Infinity (a ban), found Infinity",
                () -> BASE.withLogitBias(Map.of(3, Float.POSITIVE_INFINITY)));
        assertRefused("logit_bias names token -1, but token ids are >= 0", () -> BASE.withLogitBias(Map.of(-1, 1f)));
        assertRefused("seed must be > 0 (xorshift needs a non-zero state), found 0", () -> BASE.withSeed(0));
        assertRefused("seed must be > 0 (xorshift needs a non-zero state), found -5", () -> BASE.withSeed(-5));
        assertThrows(NullPointerException.class, () -> BASE.withOrder(null));
        assertThrows(NullPointerException.class, () -> BASE.withLogitBias(null));
    }

    @Test
    void theEdgesOfEachRangeAreAccepted() {
        SamplingParams edges = BASE.withTemperature(0f).withTopK(0).withTopP(0f).withMinP(1f)
                .withRepeatPenalty(Float.MIN_VALUE).withPresencePenalty(-2f).withFrequencyPenalty(2f)
                .withPenaltyLastN(0).withLogitBias(Map.of(0, Float.NEGATIVE_INFINITY, 1, -Float.MAX_VALUE))
                .withSeed(Long.MAX_VALUE);
        assertEquals(Long.MAX_VALUE, edges.seed());
        assertEquals(1f, BASE.withTopP(1f).topP());
    }
}
