package dev.forwardpass.models.text;

import dev.forwardpass.models.analysis.Distribution;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The next-token distribution at one generated position, as far as a client asked to see it: the token sampled and
 * the most likely tokens there, most likely first. Every log-probability is the model's (the log-softmax of its
 * logits), whatever the sampling settings did with them.
 *
 * @param sampled the token that was generated
 * @param top the {@link GenerationParams#logprobs()} most likely tokens at the position, most likely first (lower id
 *     first on ties); the sampled token is among them only if it is that likely
 */
public record TokenLogprobs(TokenLogprob sampled, List<TokenLogprob> top) {
    public TokenLogprobs {
        top = List.copyOf(top);
    }

    /**
     * {@return the sampled {@code token} and the {@code n} likeliest under the model's {@code logits}}, each read after
     * {@code previous}
     */
    static TokenLogprobs of(float[] logits, Tokenizer tokenizer, int previous, int token, int n) {
        double logSumExp = Distribution.logSumExp(logits);
        List<TokenLogprob> top = new ArrayList<>(n);
        for (int likely : Distribution.top(logits, n)) {
            top.add(logprob(logits, logSumExp, tokenizer, previous, likely));
        }
        return new TokenLogprobs(logprob(logits, logSumExp, tokenizer, previous, token), top);
    }

    private static TokenLogprob logprob(float[] logits, double logSumExp, Tokenizer tokenizer, int previous,
                                        int token) {
        return new TokenLogprob(token, tokenizer.textBytes(previous, token), logits[token] - logSumExp);
    }
}
