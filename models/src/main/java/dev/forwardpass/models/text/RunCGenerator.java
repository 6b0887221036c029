package dev.forwardpass.models.text;

import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * llama2.c's {@code run.c} command line on the text API: its output byte for byte (the prompt's text, then the
 * continuation, as its {@code safe_printf} prints them) and its {@code -n steps}, which counts positions, BOS and prompt
 * included. The {@code generate} command is this; applications want {@link TextModel#complete}.
 */
public final class RunCGenerator {
    private RunCGenerator() {}

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
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0 (0 means the model's context), found " + steps);
        }
        return steps == 0 || steps > seqLen ? seqLen : steps;
    }

    /**
     * Continues {@code prompt} as run.c does, handing {@code out} the bytes run.c prints as soon as they are known:
     * the prompt's tokens after the first, then the sampled ones. The prompt runs as one batch; the tokens and the
     * random draws (with {@link SamplingParams#runC}) are run.c's.
     *
     * @param steps positions to run, BOS and prompt included (see {@link #effectiveSteps})
     * @throws IllegalArgumentException if the prompt does not fit in the model's context
     */
    public static Result generate(TextModel model, String prompt, int steps, SamplingParams sampling,
            Consumer<byte[]> out) {
        return generate(model, prompt, steps, new GenerationParams(Integer.MAX_VALUE, List.of(), sampling), out);
    }

    /**
     * Continues {@code prompt} as {@link #generate(TextModel, String, int, SamplingParams, Consumer)} does, sampling
     * at most {@code params.maxTokens()} tokens and stopping at {@code params.stop()}. With stop strings the
     * continuation is handed out as the text API's whole characters (a stop string is never printed), not as run.c's
     * bytes.
     */
    public static Result generate(TextModel model, String prompt, int steps, GenerationParams params,
            Consumer<byte[]> out) {
        int positions = effectiveSteps(steps, model.contextLength());
        Tokenizer tokenizer = model.tokenizer();
        int[] promptTokens = model.encodePrompt(prompt);
        int n = promptTokens.length;
        int budget = Math.min(positions - (n - 1), params.maxTokens()); // run.c samples from the prompt's last on
        // made first: it refuses a prompt longer than the context before anything is printed
        Generation generation = model.newGeneration(promptTokens, params.withMaxTokens(Math.max(budget, 1)));

        int token = promptTokens[0];
        if (tokenizer.bosToken().isEmpty() || token != tokenizer.bosToken().getAsInt()) {
            // run.c's first token is always BOS, which prints nothing; a prompt without one starts with text
            out.accept(tokenizer.decode(-1, token));
        }
        // run.c prints each forced token after the position before it has run
        for (int pos = 0; pos < Math.min(n - 1, positions); pos++) {
            int next = promptTokens[pos + 1];
            if (tokenizer.stopsGeneration(next)) {
                return new Result(pos + 1, n, true, 0, 0);
            }
            out.accept(tokenizer.decode(token, next));
            token = next;
        }
        if (budget <= 0) {
            return new Result(positions, n, false, 0, 0); // steps ran out inside the prompt
        }
        Completion completion = params.stop().isEmpty()
                ? generation.runTokens((previous, next) -> out.accept(tokenizer.decode(previous, next)))
                : generation.run(piece -> out.accept(piece.getBytes(StandardCharsets.UTF_8)));
        return new Result(n - 1 + completion.completionTokens(), n, completion.finishReason() == FinishReason.STOP,
                completion.prefillTokensPerSecond(), completion.decodeTokensPerSecond());
    }
}
