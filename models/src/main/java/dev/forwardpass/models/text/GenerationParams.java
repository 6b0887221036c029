package dev.forwardpass.models.text;

import dev.forwardpass.models.sampling.SamplingParams;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * How to continue a prompt. Serializable, so that a distributed job (the spark module) can ship it to its workers.
 *
 * @param maxTokens the most tokens to sample (>= 1); the model's context may end the generation sooner
 * @param stop texts that end the generation where they appear; they are not part of the result (OpenAI's {@code stop})
 * @param sampling how each token is chosen
 * @param logprobs how many of the likeliest tokens each generated position reports with its log-probabilities
 *     ({@link TokenLogprobs}, to {@link Generation#run(Generation.StepListener)}); {@link #NO_LOGPROBS} (the default)
 *     computes none, 0 reports the sampled token's alone
 */
public record GenerationParams(int maxTokens, List<String> stop, SamplingParams sampling, int logprobs)
        implements Serializable {
    /** The new-token budget of {@link #defaults()}: run.c's default number of steps. */
    public static final int DEFAULT_MAX_TOKENS = 256;
    /** The value of {@link #logprobs()} that computes no log-probabilities (and costs nothing). */
    public static final int NO_LOGPROBS = -1;

    public GenerationParams {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max_tokens must be >= 1, found " + maxTokens);
        }
        stop = List.copyOf(Objects.requireNonNull(stop, "stop"));
        for (String text : stop) {
            if (text.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
        Objects.requireNonNull(sampling, "sampling");
        if (logprobs < NO_LOGPROBS) {
            throw new IllegalArgumentException("logprobs must be >= 0, or -1 for none, found " + logprobs);
        }
    }

    /** Settings that compute no log-probabilities. */
    public GenerationParams(int maxTokens, List<String> stop, SamplingParams sampling) {
        this(maxTokens, stop, sampling, NO_LOGPROBS);
    }

    /** {@return 256 new tokens at most, no stop string, llama.cpp's default sampling} */
    public static GenerationParams defaults() {
        return new GenerationParams(DEFAULT_MAX_TOKENS, List.of(), SamplingParams.defaults());
    }

    public GenerationParams withMaxTokens(int maxTokens) {
        return new GenerationParams(maxTokens, stop, sampling, logprobs);
    }

    public GenerationParams withStop(String... stop) {
        return new GenerationParams(maxTokens, List.of(stop), sampling, logprobs);
    }

    public GenerationParams withSampling(SamplingParams sampling) {
        return new GenerationParams(maxTokens, stop, sampling, logprobs);
    }

    public GenerationParams withLogprobs(int logprobs) {
        return new GenerationParams(maxTokens, stop, sampling, logprobs);
    }
}
