package dev.forwardpass.models.text;

import java.time.Duration;

/**
 * What a generation produced.
 *
 * @param text the generated text, without the prompt and without a stop token or stop string
 * @param finishReason why it ended
 * @param promptTokens tokens of the prompt as the model saw it (BOS and chat-template tokens included)
 * @param completionTokens tokens sampled, a stop token included
 * @param prefillTime from the start until the first token was sampled (the prompt's batch and one sampling step)
 * @param decodeTime from the first sampled token to the end
 * @param decodeSteps forward passes run in {@code decodeTime}, one per token after the first
 */
public record Completion(String text, FinishReason finishReason, int promptTokens, int completionTokens,
        Duration prefillTime, Duration decodeTime, int decodeSteps) {

    /** {@return prompt tokens per second of {@link #prefillTime}} (0 when too short to tell) */
    public double prefillTokensPerSecond() {
        return rate(promptTokens, prefillTime);
    }

    /** {@return tokens per second after the first one} (llama2.c's "achieved tok/s"; 0 when too short to tell) */
    public double decodeTokensPerSecond() {
        return rate(decodeSteps, decodeTime);
    }

    private static double rate(int tokens, Duration time) {
        return tokens > 0 && time.toNanos() > 0 ? tokens / (time.toNanos() / 1e9) : 0;
    }
}
