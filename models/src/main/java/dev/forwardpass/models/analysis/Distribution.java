package dev.forwardpass.models.analysis;

/**
 * A next-token distribution given by logits, evaluated in double precision: {@code p_i = exp(logit_i - lse)}.
 * Immutable: it keeps its own copy of the logits.
 */
public final class Distribution {
    private final float[] logits; // (vocabSize,)
    private final double logSumExp;

    private Distribution(float[] logits, double logSumExp) {
        this.logits = logits;
        this.logSumExp = logSumExp;
    }

    /** {@return the distribution softmax(logits)} */
    public static Distribution ofLogits(float[] logits) {
        return new Distribution(logits.clone(), logSumExp(logits));
    }

    /** {@return log Σ exp(logit) of {@code logits}}, in double precision; {@code logit - lse} is a log-probability */
    public static double logSumExp(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double sum = 0;
        for (float logit : logits) {
            sum += Math.exp(logit - max);
        }
        return max + Math.log(sum);
    }

    /** {@return the number of tokens} */
    public int size() {
        return logits.length;
    }

    /** {@return log Σ exp(logit)} */
    public double logSumExp() {
        return logSumExp;
    }

    /** {@return ln p(token)} */
    public double logProb(int token) {
        return logits[token] - logSumExp;
    }

    /** {@return p(token)} */
    public double prob(int token) {
        return Math.exp(logProb(token));
    }

    /** {@return the entropy in nats, -Σ p ln p (at most ln size, for the uniform distribution)} */
    public double entropy() {
        double h = 0;
        for (int i = 0; i < logits.length; i++) {
            double lp = logProb(i);
            h -= Math.exp(lp) * lp;
        }
        return h;
    }

    /** {@return KL(this ‖ other) in nats: Σ p ln(p / q)} */
    public double klDivergence(Distribution other) {
        if (other.size() != size()) {
            throw new IllegalArgumentException("distributions over " + size() + " and " + other.size() + " tokens");
        }
        double kl = 0;
        for (int i = 0; i < logits.length; i++) {
            double lp = logProb(i);
            kl += Math.exp(lp) * (lp - other.logProb(i));
        }
        return kl;
    }

    /** {@return the k most probable tokens, most probable first, lower id first on ties} */
    public int[] top(int k) {
        return top(logits, k);
    }

    /** {@return the ids of the k largest {@code logits}, largest first, lower id first on ties} */
    public static int[] top(float[] logits, int k) {
        int n = Math.min(k, logits.length);
        int[] top = new int[n];
        int filled = 0;
        for (int i = 0; i < logits.length; i++) {
            int at = filled;
            while (at > 0 && logits[i] > logits[top[at - 1]]) {
                at--;
            }
            if (at < n) {
                System.arraycopy(top, at, top, at + 1, Math.min(filled, n - 1) - at);
                top[at] = i;
                filled = Math.min(filled + 1, n);
            }
        }
        return top;
    }

    /** {@return the most probable token (the first one on ties)} */
    public int argmax() {
        return top(1)[0];
    }
}
