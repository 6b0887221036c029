package dev.forwardpass.models.sampling;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Objects;

/**
 * How to choose tokens: the settings of the sampling chain (see the package documentation for what each does and in
 * which order). Error messages name each setting as the CLI flags and the server's JSON do ({@code top_p},
 * {@code repeat_penalty}, ...), which are llama.cpp's names. Serializable, as {@code GenerationParams} is.
 *
 * @param temperature softmax temperature, >= 0; 0 is greedy decoding (the largest logit after bias and penalties)
 * @param topK keep the k most likely tokens, >= 0; 0 is off
 * @param topP keep the most likely tokens up to this cumulative probability, in [0, 1]; 1 is off (in order
 *     {@link Order#RUN_C}, 0 is off too, as in run.c)
 * @param minP keep the tokens at least this fraction as likely as the most likely one, in [0, 1]; 0 is off
 * @param repeatPenalty divides a positive logit of a token in the penalty window (multiplies a negative one), > 0;
 *     1 is off
 * @param presencePenalty subtracted from the logit of a token in the penalty window, in [-2, 2] as OpenAI; 0 is off
 * @param frequencyPenalty subtracted once per occurrence in the penalty window, in [-2, 2] as OpenAI; 0 is off
 * @param penaltyLastN how many of the last accepted tokens the penalties look at: 0 is off, {@link #WHOLE_SEQUENCE}
 *     (-1) every token accepted so far, prompt included
 * @param logitBias added to the logit of each token id before everything else; finite, or -infinity to ban the
 *     token. Ids are checked against the vocabulary by {@link #newSampler}
 * @param seed xorshift's seed, > 0 (run.c's {@code -s}); the factories without a seed argument draw one from
 *     {@link SecureRandom}, and this accessor tells it, so that a run can be repeated
 * @param order where temperature and top-p sit in the chain
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, float repeatPenalty,
        float presencePenalty, float frequencyPenalty, int penaltyLastN, Map<Integer, Float> logitBias, long seed,
        Order order) implements Serializable {

    /** The value of {@code penalty_last_n} that makes the penalties look at every token of the sequence. */
    public static final int WHOLE_SEQUENCE = -1;

    /** Where temperature and top-p sit in the chain; both start with logit bias, penalties and top-k. */
    public enum Order {
        /** llama.cpp's default chain: top-k, top-p, min-p on the untempered logits, then temperature, then the draw. */
        LLAMA_CPP,
        /**
         * run.c's chain: top-k, then temperature and softmax, then run.c's top-p (strictly more than top_p; 0 is off
         * too), then min-p, then the draw. With top_k, min_p, penalties and bias off it is run.c's sampler, draw for
         * draw.
         */
        RUN_C
    }

    /** Validates every setting and copies the bias map. */
    public SamplingParams {
        checkArgument(temperature >= 0 && Float.isFinite(temperature), "temperature must be >= 0 and finite, found %s",
                temperature);
        checkArgument(topK >= 0, "top_k must be >= 0 (0 is off), found %s", topK);
        checkArgument(topP >= 0 && topP <= 1, "top_p must be in [0, 1], found %s", topP);
        checkArgument(minP >= 0 && minP <= 1, "min_p must be in [0, 1], found %s", minP);
        checkArgument(repeatPenalty > 0 && Float.isFinite(repeatPenalty),
                "repeat_penalty must be > 0 and finite, found %s", repeatPenalty);
        checkArgument(presencePenalty >= -2 && presencePenalty <= 2, "presence_penalty must be in [-2, 2], found %s",
                presencePenalty);
        checkArgument(frequencyPenalty >= -2 && frequencyPenalty <= 2,
                "frequency_penalty must be in [-2, 2], found %s", frequencyPenalty);
        checkArgument(penaltyLastN >= WHOLE_SEQUENCE,
                "penalty_last_n must be >= -1 (-1 is the whole sequence, 0 is off), found %s", penaltyLastN);
        logitBias = Map.copyOf(logitBias);
        logitBias.forEach((token, bias) -> {
            checkArgument(token >= 0, "logit_bias names token %s, but token ids are >= 0", token);
            checkArgument(!Float.isNaN(bias) && bias != Float.POSITIVE_INFINITY,
                    "logit_bias of token %s must be finite or -Infinity (a ban), found %s", token, bias);
        });
        checkArgument(seed > 0, "seed must be > 0 (xorshift needs a non-zero state), found %s", seed);
        Objects.requireNonNull(order, "order");
    }

    /**
     * {@return llama.cpp's defaults}: temperature 0.8, top_k 40, top_p 0.95, min_p 0.05, no penalties (repeat 1.0
     * over the last 64 tokens), no bias, order {@link Order#LLAMA_CPP}, and a seed drawn from {@link SecureRandom}
     */
    public static SamplingParams defaults() {
        return new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1f, 0f, 0f, 64, Map.of(), randomSeed(), Order.LLAMA_CPP);
    }

    /**
     * {@return greedy decoding}: temperature 0 and everything else off, which takes the largest logit. It draws no
     * random number; its seed (drawn from {@link SecureRandom}) matters only to a copy that turns sampling on.
     */
    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 64, Map.of(), randomSeed(), Order.LLAMA_CPP);
    }

    /** {@return run.c's sampler} ({@code -t}, {@code -p}, {@code -s}), everything llama.cpp adds off. */
    public static SamplingParams runC(float temperature, float topP, long seed) {
        return new SamplingParams(temperature, 0, topP, 0f, 1f, 0f, 0f, 64, Map.of(), seed, Order.RUN_C);
    }

    /** {@return a sampler for one sequence} over a vocabulary of {@code vocabSize} tokens. */
    public TokenSampler newSampler(int vocabSize) {
        return new SamplerChain(this, vocabSize);
    }

    public SamplingParams withTemperature(float temperature) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty,
                penaltyLastN, logitBias, seed, order);
    }

    public SamplingParams withTopK(int topK) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty,
                penaltyLastN, logitBias, seed, order);
    }

    public SamplingParams withTopP(float topP) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty,
                penaltyLastN, logitBias, seed, order);
    }

    public SamplingParams withMinP(float minP) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty,
                penaltyLastN, logitBias, seed, order);
    }

    public SamplingParams withRepeatPenalty(float repeatPenalty) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty,
                penaltyLastN, logitBias, seed, order);
    }

    public SamplingParams withPresencePenalty(float presencePenalty) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty,
                penaltyLastN, logitBias, seed, order);
    }

    public SamplingParams withFrequencyPenalty(float frequencyPenalty) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty,
                penaltyLastN, logitBias, seed, order);
    }

    public SamplingParams withPenaltyLastN(int penaltyLastN) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty,
                penaltyLastN, logitBias, seed, order);
    }

    public SamplingParams withLogitBias(Map<Integer, Float> logitBias) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty,
                penaltyLastN, logitBias, seed, order);
    }

    public SamplingParams withSeed(long seed) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty,
                penaltyLastN, logitBias, seed, order);
    }

    /** {@return a copy with a seed drawn from {@link SecureRandom}} (llama.cpp's seed -1), readable by {@link #seed}. */
    public SamplingParams withRandomSeed() {
        return withSeed(randomSeed());
    }

    public SamplingParams withOrder(Order order) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty,
                penaltyLastN, logitBias, seed, order);
    }

    private static long randomSeed() {
        return new SecureRandom().nextLong(1, Long.MAX_VALUE);
    }
}
