package dev.forwardpass.models.llama;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.models.decoder.DecoderConfig;

/**
 * The hyper-parameters of a Llama-family model, named as in llama2.c's {@code Config}.
 *
 * @param dim transformer (residual stream) width
 * @param hiddenDim width of the feed-forward layer
 * @param nLayers number of transformer blocks
 * @param nHeads number of query heads
 * @param nKvHeads number of key/value heads (less than nHeads with grouped-query attention)
 * @param headSize dimension of one attention head (usually dim / nHeads)
 * @param vocabSize number of tokens
 * @param seqLen maximum sequence length (the KV cache's length)
 * @param normEps epsilon of RMSNorm
 * @param ropeTheta base of the rotary embedding's frequencies
 * @param ropeLayout which elements of a head the rotary embedding pairs, as the weights were stored
 * @param qkvBias whether the query, key and value projections have a bias (Qwen2)
 * @param ropeScaling Llama 3's rescaling of the rotary frequencies, or null for none
 */
public record LlamaConfig(
        int dim,
        int hiddenDim,
        int nLayers,
        int nHeads,
        int nKvHeads,
        int headSize,
        int vocabSize,
        int seqLen,
        float normEps,
        float ropeTheta,
        RopeLayout ropeLayout,
        boolean qkvBias,
        Llama3RopeScaling ropeScaling) implements DecoderConfig {

    public LlamaConfig {
        checkArgument(dim > 0 && hiddenDim > 0 && nLayers > 0 && nHeads > 0 && nKvHeads > 0 && headSize > 0
                        && vocabSize > 0 && seqLen > 0,
                "every dimension must be positive: %s", describe(dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen));
        checkArgument(nHeads % nKvHeads == 0, "nKvHeads=%s must divide nHeads=%s", nKvHeads, nHeads);
        checkArgument(headSize % 2 == 0, "headSize must be even for rotary embeddings, found %s", headSize);
        checkArgument(normEps > 0 && Float.isFinite(normEps), "normEps must be positive, found %s", normEps);
        checkArgument(ropeTheta > 1 && Float.isFinite(ropeTheta), "ropeTheta must be > 1, found %s", ropeTheta);
        checkArgument(ropeLayout != null, "ropeLayout must not be null");
    }

    /** A config without q/k/v bias or rope scaling: llama2.c's models, Llama 2, TinyLlama. */
    public LlamaConfig(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int headSize, int vocabSize,
            int seqLen, float normEps, float ropeTheta, RopeLayout ropeLayout) {
        this(dim, hiddenDim, nLayers, nHeads, nKvHeads, headSize, vocabSize, seqLen, normEps, ropeTheta, ropeLayout,
                false, null);
    }

    private static String describe(int... dims) {
        return java.util.Arrays.toString(dims);
    }

    /** {@return the width of a query row: nHeads * headSize} */
    @Override
    public int qDim() {
        return nHeads * headSize;
    }

    /** {@return the width of a key or value row: nKvHeads * headSize} */
    @Override
    public int kvDim() {
        return nKvHeads * headSize;
    }

    /** {@return the attention's head layout} */
    @Override
    public AttentionShape attentionShape() {
        return new AttentionShape(nHeads, nKvHeads, headSize);
    }

    /** {@return the rotary embedding of this config} */
    public Rope rope() {
        if (ropeScaling == null) {
            return Rope.of(headSize, ropeTheta, ropeLayout);
        }
        Rope unscaled = Rope.of(headSize, ropeTheta, ropeLayout);
        float[] inverseFrequencies = new float[headSize / 2];
        for (int i = 0; i < inverseFrequencies.length; i++) {
            inverseFrequencies[i] = ropeScaling.rescale(unscaled.inverseFrequency(i));
        }
        return Rope.ofInverseFrequencies(inverseFrequencies, ropeLayout);
    }

    /**
     * Llama 3.1's rotary frequency rescaling ({@code rope_scaling} with {@code rope_type: "llama3"}): wavelengths
     * shorter than {@code originalContext / highFreqFactor} keep their frequency, those longer than
     * {@code originalContext / lowFreqFactor} are slowed down by {@code factor}, and those in between are
     * interpolated smoothly between the two.
     *
     * @param factor how much the low frequencies are divided by
     * @param lowFreqFactor original context / this = the wavelength above which frequencies are fully scaled
     * @param highFreqFactor original context / this = the wavelength below which frequencies are kept
     * @param originalContext the context length the model was pre-trained with
     *     ({@code original_max_position_embeddings})
     */
    public record Llama3RopeScaling(float factor, float lowFreqFactor, float highFreqFactor, int originalContext) {
        public Llama3RopeScaling {
            checkArgument(factor > 0 && Float.isFinite(factor), "rope scaling factor must be positive, found %s", factor);
            checkArgument(lowFreqFactor > 0 && highFreqFactor > lowFreqFactor && Float.isFinite(highFreqFactor),
                    "rope scaling needs 0 < low_freq_factor < high_freq_factor, found %s and %s", lowFreqFactor,
                    highFreqFactor);
            checkArgument(originalContext > 0, "original context must be positive, found %s", originalContext);
        }

        /** {@return the rescaled inverse frequency of one rotary pair} */
        public float rescale(float inverseFrequency) {
            double lowFreqWavelength = originalContext / (double) lowFreqFactor;
            double highFreqWavelength = originalContext / (double) highFreqFactor;
            double wavelength = 2 * Math.PI / inverseFrequency;
            if (wavelength < highFreqWavelength) {
                return inverseFrequency;                                   // high frequency: unchanged
            }
            if (wavelength > lowFreqWavelength) {
                return inverseFrequency / factor;                          // low frequency: fully scaled
            }
            double smooth = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
            return (float) ((1 - smooth) * inverseFrequency / factor + smooth * inverseFrequency);
        }
    }
}
