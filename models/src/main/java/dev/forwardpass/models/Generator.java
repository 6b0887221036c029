package dev.forwardpass.models;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.sampling.Sampler;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.OptionalInt;
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
     * @param prefillTokensPerSecond prompt positions per second, run as one batch (0 if too short to tell)
     * @param tokensPerSecond sampled positions per second after the first one (0 if too short to tell)
     */
    public record Result(int positions, int promptTokens, boolean stoppedByToken, double prefillTokensPerSecond,
            double tokensPerSecond) {}

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
     * {@code out} as soon as it is known: exactly what run.c's {@code generate()} prints (the prompt's tokens after
     * the first, then the sampled ones). The prompt runs as one batch ({@link LanguageModel.Session#prefill}); the
     * tokens and the random draws are the same as run.c's token-by-token loop.
     *
     * @param steps positions to run, BOS and prompt included (see {@link #effectiveSteps})
     * @throws IllegalArgumentException if the prompt does not fit in the model's context
     */
    public static Result generate(LanguageModel.Session session, int seqLen, Tokenizer tokenizer, String prompt,
            int steps, Sampler sampler, Consumer<byte[]> out) {
        int positions = effectiveSteps(steps, seqLen);
        int[] promptTokens = tokenizer.encode(prompt);
        OptionalInt bos = tokenizer.bosToken();
        if (promptTokens.length == 0 && bos.isPresent()) {
            // a tokenizer that adds no BOS (GPT-2's) starts an empty prompt from it, as Hugging Face does
            promptTokens = new int[] {bos.getAsInt()};
        }
        checkArgument(promptTokens.length >= 1, "the prompt encodes to no tokens; need at least one");
        checkArgument(promptTokens.length <= seqLen, "the prompt is %s tokens, longer than the model's context of %s",
                promptTokens.length, seqLen);

        // the prompt: run.c forces these tokens one position at a time; one batch computes the same positions
        int n = promptTokens.length;
        int prefilled = Math.min(n, positions);
        long prefillStart = System.nanoTime();
        float[] logits = session.prefill(Arrays.copyOf(promptTokens, prefilled), 0);
        double prefillRate = rate(prefilled, System.nanoTime() - prefillStart);
        int token = promptTokens[0];
        if (bos.isEmpty() || token != bos.getAsInt()) {
            // run.c's first token is always BOS, which prints nothing; a prompt without one starts with text
            out.accept(tokenizer.decode(-1, token));
        }
        int pos = 0;
        // run.c prints each forced token after the position before it has run
        for (; pos < Math.min(n - 1, positions); pos++) {
            int next = promptTokens[pos + 1];
            if (tokenizer.stopsGeneration(next)) {
                return new Result(pos + 1, n, true, prefillRate, 0);
            }
            out.accept(tokenizer.decode(token, next));
            token = next;
        }

        // the continuation: sample from the last position's logits (the prefill's for the first), run the sample
        long start = 0;
        boolean stopped = false;
        while (pos < positions) {
            if (pos > n - 1) {
                logits = session.forward(token, pos);
            }
            int next = sampler.sample(logits);
            pos++;
            // data-dependent terminating condition
            if (tokenizer.stopsGeneration(next)) {
                stopped = true;
                break;
            }
            out.accept(tokenizer.decode(token, next));
            token = next;
            // the clock starts after the first sampled token, as run.c's starts after its first iteration
            if (start == 0) {
                start = System.nanoTime();
            }
        }
        int decoded = pos - n; // forward() calls made after the clock started
        double tokensPerSecond = start != 0 && decoded > 0 ? decoded / ((System.nanoTime() - start) / 1e9) : 0;
        return new Result(pos, n, stopped, prefillRate, tokensPerSecond);
    }

    private static double rate(int tokens, long nanos) {
        return tokens > 1 && nanos > 0 ? tokens / (nanos / 1e9) : 0;
    }
}
