package dev.forwardpass.models.sampling;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;
import java.util.Map;

/**
 * The sampling chain of one sequence, as {@link SamplingParams} describes it (the steps and both orders are in the
 * package documentation). Each step narrows the candidates to a prefix of the descending-logit order, so the set is
 * either every candidate (id order) or its first {@code size} ranks, ranked lazily by {@link RankedCandidates}.
 * Probabilities are written over the logits of the candidates, as run.c does. Allocates nothing per token.
 */
final class SamplerChain implements TokenSampler {
    private final SamplingParams params;
    private final int vocabSize;
    /** run.c's sampler, drawing for this chain when nothing llama.cpp adds is on (so it is run.c's, bit for bit). */
    private final Sampler runC;
    private final int[] biasTokens;
    private final float[] biasValues;
    /** null when the penalties are off. */
    private final Penalties penalties;
    private final RankedCandidates candidates;
    private final XorShiftRandom random;
    /** How many candidates the steps so far kept. */
    private int size;
    /** Whether the kept candidates are the first {@link #size} ranks (else every candidate, by id). */
    private boolean ranked;

    SamplerChain(SamplingParams params, int vocabSize) {
        checkArgument(vocabSize > 0, "vocabSize must be positive, found %s", vocabSize);
        this.params = params;
        this.vocabSize = vocabSize;
        Map<Integer, Float> bias = params.logitBias();
        this.biasTokens = new int[bias.size()];
        this.biasValues = new float[bias.size()];
        int b = 0;
        int banned = 0;
        for (Map.Entry<Integer, Float> entry : bias.entrySet()) {
            checkArgument(entry.getKey() < vocabSize, "logit_bias names token %s, outside the vocabulary of %s tokens",
                    entry.getKey(), vocabSize);
            biasTokens[b] = entry.getKey();
            biasValues[b] = entry.getValue();
            banned += biasValues[b] == Float.NEGATIVE_INFINITY ? 1 : 0;
            b++;
        }
        checkArgument(banned < vocabSize, "logit_bias bans all %s tokens of the vocabulary", vocabSize);
        this.penalties = Penalties.areOn(params) ? new Penalties(params, vocabSize) : null;
        boolean runCOnly = params.order() == SamplingParams.Order.RUN_C && params.topK() == 0 && params.minP() == 0
                && penalties == null && bias.isEmpty();
        this.runC = runCOnly ? new Sampler(vocabSize, params.temperature(), params.topP(), params.seed()) : null;
        this.candidates = new RankedCandidates(vocabSize);
        this.random = new XorShiftRandom(params.seed());
    }

    @Override
    public int sample(float[] logits) {
        if (runC != null) {
            return runC.sample(logits);
        }
        adjust(logits);
        if (params.temperature() == 0) {
            return Sampler.argmax(logits);
        }
        narrow(logits);
        // one coin per sampled token, as run.c; r = coin * total is run.c's top-p draw over what is kept
        float r = random.nextFloat() * total(logits);
        float cdf = 0f;
        for (int i = 0; i < size; i++) {
            cdf += logits[member(i)];
            if (r < cdf) {
                return member(i);
            }
        }
        return member(size - 1); // in case of rounding errors
    }

    @Override
    public void accept(int token) {
        checkArgument(token >= 0 && token < vocabSize, "token %s is outside the vocabulary of %s tokens", token,
                vocabSize);
        if (penalties != null) {
            penalties.accept(token);
        }
    }

    /**
     * Fills {@code probabilities} (one per vocabulary entry) with the distribution the next {@link #sample} of these
     * logits draws from (one-hot when greedy), without drawing; the logits are overwritten as {@code sample} does.
     */
    void distribution(float[] logits, float[] probabilities) {
        checkArgument(probabilities.length == vocabSize && probabilities != logits,
                "probabilities must be a separate array of %s", vocabSize);
        adjust(logits);
        Arrays.fill(probabilities, 0f);
        if (params.temperature() == 0) {
            probabilities[Sampler.argmax(logits)] = 1f;
            return;
        }
        narrow(logits);
        float total = total(logits);
        for (int i = 0; i < size; i++) {
            probabilities[member(i)] = logits[member(i)] / total;
        }
    }

    /** Logit bias, then penalties, in place; refuses a step that leaves nothing to draw or overflows. */
    private void adjust(float[] logits) {
        Sampler.checkLogits(logits, vocabSize);
        if (biasTokens.length == 0 && penalties == null) {
            return;
        }
        for (int b = 0; b < biasTokens.length; b++) {
            logits[biasTokens[b]] += biasValues[b];
        }
        if (penalties != null) {
            penalties.apply(logits);
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int q = 0; q < vocabSize; q++) {
            max = Math.max(max, logits[q]);
        }
        checkArgument(max != Float.POSITIVE_INFINITY, "a logit overflows to Infinity after logit_bias and penalties");
        checkArgument(max != Float.NEGATIVE_INFINITY, "logit_bias and penalties leave no token with a finite logit");
    }

    /** top-k, top-p, min-p and temperature in the params' order; leaves probabilities over the kept logits. */
    private void narrow(float[] logits) {
        // top-k is the first step of either order, so no later step asks for a rank beyond it
        candidates.reset(logits, params.topK() > 0 ? params.topK() : vocabSize);
        size = candidates.count();
        ranked = false;
        if (params.topK() > 0 && params.topK() < size) {
            size = params.topK();
            ranked = true;
        }
        if (params.order() == SamplingParams.Order.LLAMA_CPP) {
            if (params.topP() < 1) {
                keepTopP(logits, params.topP());
            }
            if (params.minP() > 0) {
                // p_i >= min_p * p_max, in logits: logit_i >= max + ln(min_p)
                keepAtLeast(logits, logits[candidates.byRank(0)] + (float) Math.log(params.minP()));
            }
            softmax(logits, params.temperature());
        } else {
            softmax(logits, params.temperature());
            if (params.topP() > 0 && params.topP() < 1) {
                keepRunCTopP(logits, params.topP());
            }
            if (params.minP() > 0) {
                keepAtLeast(logits, params.minP() * logits[candidates.byRank(0)]);
            }
        }
    }

    /** llama.cpp's top-p: the shortest prefix of ranks whose probability (softmax of the logits) reaches {@code p}. */
    private void keepTopP(float[] logits, float p) {
        float max = logits[candidates.byRank(0)];
        float sum = 0f;
        for (int i = 0; i < size; i++) {
            sum += (float) Math.exp(logits[member(i)] - max);
        }
        ranked = true;
        float cumulative = 0f;
        for (int i = 0; i < size; i++) {
            cumulative += (float) Math.exp(logits[member(i)] - max) / sum;
            if (cumulative >= p) {
                size = i + 1;
                return;
            }
        }
    }

    /** run.c's top-p over probabilities: the shortest prefix of ranks whose cumulative probability exceeds {@code p}. */
    private void keepRunCTopP(float[] probabilities, float p) {
        ranked = true;
        float cumulative = 0f;
        for (int i = 0; i < size; i++) {
            cumulative += probabilities[member(i)];
            if (cumulative > p) {
                size = i + 1;
                return;
            }
        }
    }

    /** Keeps the ranks whose value (logit or probability, whichever the array holds) is at least {@code threshold}. */
    private void keepAtLeast(float[] values, float threshold) {
        ranked = true;
        int kept = 1; // the first rank is the largest, at or above any threshold min_p sets
        while (kept < size && values[member(kept)] >= threshold) {
            kept++;
        }
        size = kept;
    }

    /**
     * Softmax of the kept logits divided by the temperature, written over them. It computes exp((x - max) / T), the
     * same distribution as exp(x / T - max / T), because x / T overflows for a tiny T where (x - max) / T only
     * underflows (to a probability of 0).
     */
    private void softmax(float[] logits, float temperature) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, logits[member(i)]);
        }
        float sum = 0f;
        for (int i = 0; i < size; i++) {
            int token = member(i);
            logits[token] = (float) Math.exp((logits[token] - max) / temperature);
            sum += logits[token];
        }
        for (int i = 0; i < size; i++) {
            logits[member(i)] /= sum;
        }
    }

    /** {@return the sum of the kept probabilities}, in draw order (1 but for rounding, unless run.c's top-p cut) */
    private float total(float[] probabilities) {
        float total = 0f;
        for (int i = 0; i < size; i++) {
            total += probabilities[member(i)];
        }
        return total;
    }

    private int member(int i) {
        return ranked ? candidates.byRank(i) : candidates.byId(i);
    }
}
