package dev.forwardpass.models.sampling;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;

/**
 * run.c's sampler, draw for draw: greedy argmax at temperature 0; otherwise logits / temperature, a single-precision
 * softmax, and either multinomial sampling or ({@code 0 < topP < 1}) nucleus sampling with run.c's candidate cutoff
 * {@code (1 - topP) / (n - 1)}, descending sort and cumulative threshold. One coin is drawn per sampled token.
 *
 * <p>{@link #sample} modifies the logits in place (as run.c does) and allocates nothing.
 */
public final class Sampler implements TokenSampler {
    private final int vocabSize;
    private final float temperature;
    private final float topP;
    private final XorShiftRandom random;
    /** Candidates of top-p sampling, packed for an allocation-free primitive sort (see {@link #sampleTopP}). */
    private final long[] candidates;

    /**
     * @param vocabSize length of the logits
     * @param temperature 0 for greedy decoding, else the softmax temperature (> 0)
     * @param topP nucleus threshold in [0, 1]; 0 or 1 sample from the whole distribution (run.c's rule)
     * @param seed run.c's {@code -s}: a positive seed
     */
    public Sampler(int vocabSize, float temperature, float topP, long seed) {
        checkArgument(vocabSize > 0, "vocabSize must be positive, found %s", vocabSize);
        checkArgument(temperature >= 0 && Float.isFinite(temperature), "temperature must be >= 0 and finite, found %s",
                temperature);
        checkArgument(topP >= 0 && topP <= 1, "top_p must be in [0, 1], found %s", topP);
        checkArgument(seed > 0, "seed must be positive, found %s", seed);
        this.vocabSize = vocabSize;
        this.temperature = temperature;
        this.topP = topP;
        this.random = new XorShiftRandom(seed);
        this.candidates = new long[vocabSize];
    }

    /** {@return the next token} for these logits (which are overwritten with probabilities unless greedy). */
    @Override
    public int sample(float[] logits) {
        checkLogits(logits, vocabSize);
        float max = logits[0];
        float min = logits[0];
        for (int q = 0; q < vocabSize; q++) {
            max = Math.max(max, logits[q]);
            min = Math.min(min, logits[q]);
        }
        if (temperature == 0.0f) {
            return argmax(logits);
        }
        if (Float.isFinite(max / temperature) && Float.isFinite(min / temperature)) {
            // apply the temperature to the logits (run.c's arithmetic, so its draws are reproduced)
            for (int q = 0; q < vocabSize; q++) {
                logits[q] /= temperature;
            }
        } else {
            // a tiny temperature overflows x / T; (x - max) / T is the same distribution after softmax's shift,
            // and only underflows (to a probability of 0)
            for (int q = 0; q < vocabSize; q++) {
                logits[q] = (float) ((logits[q] - (double) max) / temperature);
            }
        }
        // apply softmax to the logits to get the probabilities for next token
        softmax(logits);
        // flip a (float) coin (this is our source of entropy for sampling)
        float coin = random.nextFloat();
        if (topP <= 0 || topP >= 1) {
            return sampleMultinomial(logits, coin);
        }
        return sampleTopP(logits, coin);
    }

    /** Refuses logits that are not one per vocabulary entry, or that hold a NaN or infinity (see {@link #sample}). */
    static void checkLogits(float[] logits, int vocabSize) {
        checkArgument(logits.length == vocabSize, "expected %s logits, found %s", vocabSize, logits.length);
        for (int q = 0; q < vocabSize; q++) {
            if (!Float.isFinite(logits[q])) {
                throw new IllegalArgumentException("logit " + q + " is " + logits[q] + ": the model computed a "
                        + "non-finite value");
            }
        }
    }

    /** {@return the index of the largest value, the first one on ties} */
    public static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** run.c's softmax, in single precision and the same order of operations. */
    static void softmax(float[] x) {
        float max = x[0];
        for (int i = 1; i < x.length; i++) {
            if (x[i] > max) {
                max = x[i];
            }
        }
        float sum = 0.0f;
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < x.length; i++) {
            x[i] /= sum;
        }
    }

    /** Samples index i with probability probabilities[i]; coin is uniform in [0, 1). */
    private static int sampleMultinomial(float[] probabilities, float coin) {
        float cdf = 0.0f;
        for (int i = 0; i < probabilities.length; i++) {
            cdf += probabilities[i];
            if (coin < cdf) {
                return i;
            }
        }
        return probabilities.length - 1; // in case of rounding errors
    }

    /**
     * Nucleus sampling: sample from the smallest set of tokens whose cumulative probability exceeds topP.
     * Tokens below {@code (1 - topP) / (n - 1)} cannot be in that set and are not sorted (run.c's shortcut).
     */
    private int sampleTopP(float[] probabilities, float coin) {
        int n = probabilities.length;
        float cutoff = (1.0f - topP) / (n - 1);
        int n0 = 0;
        for (int i = 0; i < n; i++) {
            if (probabilities[i] >= cutoff) {
                // probabilities are non-negative floats, whose bit patterns sort like the values; inverting
                // them makes an ascending sort put the largest first, and ties keep ascending index order,
                // as run.c's sort does on glibc (a merge sort, hence stable)
                int inverted = Integer.MAX_VALUE - Float.floatToRawIntBits(probabilities[i]);
                candidates[n0++] = ((long) inverted << 32) | i;
            }
        }
        if (n0 == 0) {
            // the cutoff assumes topP >= 1/n; below that it can drop every token (run.c then reads out of bounds),
            // and the nucleus is the likeliest token alone, whose probability >= 1/n exceeds topP
            return argmax(probabilities);
        }
        Arrays.sort(candidates, 0, n0);
        // truncate the list where cumulative probability exceeds topP
        float cumulative = 0.0f;
        int lastIndex = n0 - 1; // in case of rounding errors consider all elements
        for (int i = 0; i < n0; i++) {
            cumulative += probabilities[candidateIndex(i)];
            if (cumulative > topP) {
                lastIndex = i;
                break; // we've exceeded topP by including lastIndex
            }
        }
        // sample from the truncated list
        float r = coin * cumulative;
        float cdf = 0.0f;
        for (int i = 0; i <= lastIndex; i++) {
            cdf += probabilities[candidateIndex(i)];
            if (r < cdf) {
                return candidateIndex(i);
            }
        }
        return candidateIndex(lastIndex); // in case of rounding errors
    }

    private int candidateIndex(int rank) {
        return (int) candidates[rank];
    }
}
