package dev.forwardpass.models.analysis;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.models.decoder.LanguageModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Perplexity of a token sequence under a model, with a sliding window for texts longer than the context: each
 * window holds at most {@code context} tokens and starts {@code stride} tokens after the previous one; only the
 * tokens not scored by an earlier window are scored (Hugging Face's "perplexity of fixed-length models" recipe).
 * With {@code stride == context} the windows are disjoint.
 */
public final class Perplexity {
    private Perplexity() {}

    /**
     * @param perplexity exp(negativeLogLikelihood / scoredTokens)
     * @param negativeLogLikelihood -Σ ln p(token | the tokens before it in its window), in nats
     * @param scoredTokens how many tokens were predicted (all but the first)
     * @param windows how many windows were run
     */
    public record Result(double perplexity, double negativeLogLikelihood, int scoredTokens, int windows) {}

    /**
     * Scores {@code tokens[1..]}.
     *
     * @param progress told the number of tokens scored so far, after each window (for a progress bar)
     */
    public static Result of(LanguageModel model, int[] tokens, int context, int stride, IntConsumer progress) {
        try (LanguageModel.Session session = model.newSession()) {
            return of(model, session, tokens, context, stride, progress);
        }
    }

    /**
     * Scores {@code tokens[1..]} as {@link #of(LanguageModel, int[], int, int, IntConsumer)} does, on a session of
     * {@code model} that the caller keeps: each window overwrites its KV cache from position 0, so one session scores
     * any number of texts one after another (and allocates its cache once).
     */
    public static Result of(LanguageModel model, LanguageModel.Session session, int[] tokens, int context, int stride,
            IntConsumer progress) {
        checkArgument(tokens.length >= 2, "need at least two tokens, found %s", tokens.length);
        checkArgument(context >= 2 && context <= model.seqLen(), "--context must be between 2 and the model's %s, found %s",
                model.seqLen(), context);
        checkArgument(stride >= 1 && stride <= context, "--stride must be between 1 and the context %s, found %s",
                context, stride);
        double nll = 0;
        int scored = 0;
        int windows = 0;
        int scoredUpTo = 0; // tokens[0..scoredUpTo] have been predicted (token 0 never is)
        List<Double> window = new ArrayList<>(); // log-probabilities of the current window's scored tokens
        for (int begin = 0; scoredUpTo < tokens.length - 1; begin += stride) {
            int end = Math.min(begin + context, tokens.length);
            windows++;
            // positions begin..end-2 predict tokens begin+1..end-1, as one batch; a new window reuses the
            // session from position 0, overwriting its KV cache
            int windowStart = begin;
            int alreadyScored = scoredUpTo;
            session.prefill(Arrays.copyOfRange(tokens, begin, end - 1), 0, (index, logits) -> {
                int target = windowStart + index + 1;
                if (target > alreadyScored) {
                    window.add(Distribution.ofLogits(logits).logProb(tokens[target]));
                }
            });
            for (double logProb : window) {
                nll -= logProb;
            }
            scored += window.size();
            window.clear();
            scoredUpTo = end - 1;
            progress.accept(scored);
        }
        return new Result(Math.exp(nll / scored), nll, scored, windows);
    }
}
