package dev.forwardpass.models;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.models.sampling.Sampler;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.util.function.Consumer;

/** Text generation as run.c's {@code generate()}: the prompt is forced token by token, then tokens are sampled. */
public final class Generator {
    private Generator() {}

    /**
     * What a generation did.
     *
     * @param positions positions run through the model (run.c's final {@code pos})
     * @param promptTokens tokens of the encoded prompt, BOS included
     * @param stoppedByToken whether a stop token (BOS for llama2.c's tokenizers) ended it before {@code steps}
     * @param tokensPerSecond positions per second after the first one, as run.c reports it (0 if too short to tell)
     */
    public record Result(int positions, int promptTokens, boolean stoppedByToken, double tokensPerSecond) {}

    /**
     * {@return the number of positions to run for run.c's {@code -n steps}: 0 or more than the context means the
     * whole context}
     */
    public static int effectiveSteps(int steps, int seqLen) {
        checkArgument(steps >= 0, "steps must be >= 0 (0 means the model's context), found %s", steps);
        return steps == 0 || steps > seqLen ? seqLen : steps;
    }

    /**
     * Runs {@code prompt} through {@code session} and continues it, handing the bytes of each token to
     * {@code out} as soon as it is known (the prompt's tokens after the first included, as run.c prints them).
     *
     * @param steps positions to run, BOS and prompt included (see {@link #effectiveSteps})
     * @throws IllegalArgumentException if the prompt does not fit in the model's context
     */
    public static Result generate(LanguageModel.Session session, int seqLen, Tokenizer tokenizer, String prompt,
            int steps, Sampler sampler, Consumer<byte[]> out) {
        int positions = effectiveSteps(steps, seqLen);
        int[] promptTokens = tokenizer.encode(prompt);
        checkArgument(promptTokens.length >= 1, "the prompt encodes to no tokens; need at least one");
        checkArgument(promptTokens.length <= seqLen, "the prompt is %s tokens, longer than the model's context of %s",
                promptTokens.length, seqLen);

        long start = 0;
        int token = promptTokens[0];
        int pos = 0;
        boolean stopped = false;
        while (pos < positions) {
            // forward the transformer to get logits for the next token
            float[] logits = session.forward(token, pos);
            // advance the state machine: force the prompt, then sample
            int next = pos < promptTokens.length - 1 ? promptTokens[pos + 1] : sampler.sample(logits);
            pos++;
            // data-dependent terminating condition
            if (tokenizer.stopsGeneration(next)) {
                stopped = true;
                break;
            }
            out.accept(tokenizer.decode(token, next));
            token = next;
            // the clock starts after the first iteration, which may be slower (as run.c's)
            if (start == 0) {
                start = System.nanoTime();
            }
        }
        double tokensPerSecond = 0;
        if (pos > 1 && start != 0) {
            long elapsed = System.nanoTime() - start;
            tokensPerSecond = elapsed > 0 ? (pos - 1) / (elapsed / 1e9) : 0;
        }
        return new Result(pos, promptTokens.length, stopped, tokensPerSecond);
    }
}
