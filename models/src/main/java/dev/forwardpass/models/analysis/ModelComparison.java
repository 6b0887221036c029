package dev.forwardpass.models.analysis;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.models.decoder.LanguageModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the same tokens through a trained model and an "empty" one (same architecture, fresh weights) and compares
 * their next-token distributions position by position.
 */
public final class ModelComparison {
    private ModelComparison() {}

    /** A token and its probability under one model. */
    public record Candidate(int id, double prob) {}

    /** One model's view of one position. */
    public record View(double nextTokenProb, double entropy, List<Candidate> top) {}

    /**
     * One position: the token read there, the token that actually follows it, and each model's distribution.
     *
     * @param klDivergence KL(trained ‖ empty) in nats
     */
    public record Position(int position, int token, int nextToken, View trained, View empty, double klDivergence) {}

    /**
     * A model's summary over all positions that have a next token.
     *
     * @param meanLogLikelihood mean ln p(actual next token)
     * @param perplexity exp(-meanLogLikelihood)
     * @param meanEntropy mean entropy of the next-token distribution, in nats
     */
    public record Summary(double meanLogLikelihood, double perplexity, double meanEntropy) {}

    /**
     * The comparison.
     *
     * @param maxEntropy ln vocabSize: the entropy of the uniform distribution
     * @param top1Agreement fraction of positions whose most probable next token is the same under both models
     */
    public record Result(int[] tokens, List<Position> positions, Summary trained, Summary empty, double maxEntropy,
            double top1Agreement) {}

    /**
     * Compares the models on {@code tokens}; positions 0..n-2 are scored (each has a next token).
     *
     * @param topK how many most probable tokens each view lists
     */
    public static Result compare(LanguageModel trained, LanguageModel empty, int[] tokens, int topK) {
        checkArgument(tokens.length >= 2, "need at least two tokens to score a next token, found %s", tokens.length);
        checkArgument(trained.vocabSize() == empty.vocabSize(), "the models' vocabularies differ: %s vs %s",
                trained.vocabSize(), empty.vocabSize());
        checkArgument(tokens.length <= Math.min(trained.seqLen(), empty.seqLen()),
                "%s tokens are longer than the context of %s", tokens.length, Math.min(trained.seqLen(), empty.seqLen()));
        List<Position> positions = new ArrayList<>();
        double[] trainedTotals = new double[2]; // Σ ln p(next), Σ entropy
        double[] emptyTotals = new double[2];
        int agreements = 0;
        Distribution[] trainedDistributions = distributions(trained, tokens);
        Distribution[] emptyDistributions = distributions(empty, tokens);
        for (int pos = 0; pos + 1 < tokens.length; pos++) {
            Distribution p = trainedDistributions[pos];
            Distribution q = emptyDistributions[pos];
            int next = tokens[pos + 1];
            View trainedView = view(p, next, topK);
            View emptyView = view(q, next, topK);
            accumulate(trainedTotals, p, next, trainedView);
            accumulate(emptyTotals, q, next, emptyView);
            if (p.argmax() == q.argmax()) {
                agreements++;
            }
            positions.add(new Position(pos, tokens[pos], next, trainedView, emptyView, p.klDivergence(q)));
        }
        int n = positions.size();
        return new Result(tokens.clone(), positions, summary(trainedTotals, n), summary(emptyTotals, n),
                Math.log(trained.vocabSize()), (double) agreements / n);
    }

    /** {@return the next-token distribution after each of {@code tokens} but the last} */
    private static Distribution[] distributions(LanguageModel model, int[] tokens) {
        Distribution[] out = new Distribution[tokens.length - 1];
        try (LanguageModel.Session session = model.newSession()) {
            session.prefill(Arrays.copyOf(tokens, tokens.length - 1), 0,
                    (pos, logits) -> out[pos] = Distribution.ofLogits(logits));
        }
        return out;
    }

    private static View view(Distribution d, int next, int topK) {
        List<Candidate> top = new ArrayList<>();
        for (int id : d.top(topK)) {
            top.add(new Candidate(id, d.prob(id)));
        }
        return new View(d.prob(next), d.entropy(), top);
    }

    private static void accumulate(double[] totals, Distribution d, int next, View view) {
        totals[0] += d.logProb(next);
        totals[1] += view.entropy();
    }

    private static Summary summary(double[] totals, int n) {
        double meanLogLikelihood = totals[0] / n;
        return new Summary(meanLogLikelihood, Math.exp(-meanLogLikelihood), totals[1] / n);
    }
}
