package dev.forwardpass.models.gpt2;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.models.decoder.DecoderConfig;
import java.util.Arrays;

/**
 * The hyper-parameters of a GPT-2 model, named as llama2.c names a Llama's (Hugging Face's names in brackets).
 *
 * @param dim transformer (residual stream) width ({@code n_embd})
 * @param hiddenDim width of the feed-forward layer ({@code n_inner}, 4 × dim unless given)
 * @param nLayers number of transformer blocks ({@code n_layer})
 * @param nHeads number of attention heads ({@code n_head})
 * @param vocabSize number of tokens ({@code vocab_size})
 * @param nPositions the rows of the learned position embedding: the longest context it was trained for
 *     ({@code n_positions})
 * @param seqLen maximum sequence length of a session (the KV cache's length): nPositions, or less to save memory
 * @param normEps epsilon of LayerNorm ({@code layer_norm_epsilon})
 */
public record Gpt2Config(int dim, int hiddenDim, int nLayers, int nHeads, int vocabSize, int nPositions, int seqLen,
        float normEps) implements DecoderConfig {

    public Gpt2Config {
        checkArgument(dim > 0 && hiddenDim > 0 && nLayers > 0 && nHeads > 0 && vocabSize > 0 && nPositions > 0
                        && seqLen > 0, "every dimension must be positive: %s", Arrays.toString(new int[] {dim,
                        hiddenDim, nLayers, nHeads, vocabSize, nPositions, seqLen}));
        checkArgument(seqLen <= nPositions, "seqLen=%s must not exceed nPositions=%s", seqLen, nPositions);
        checkArgument(dim % nHeads == 0, "nHeads=%s must divide dim=%s", nHeads, dim);
        checkArgument(normEps > 0 && Float.isFinite(normEps), "normEps must be positive, found %s", normEps);
    }

    /** {@return the width of a query row: dim, as every head is dim / nHeads wide} */
    @Override
    public int qDim() {
        return dim;
    }

    /** {@return the width of a key or value row: dim (every head has its own keys and values)} */
    @Override
    public int kvDim() {
        return dim;
    }

    /** {@return the dimension of one attention head: dim / nHeads} */
    public int headSize() {
        return dim / nHeads;
    }

    /** {@return the attention's head layout: plain multi-head attention, every head with its own keys and values} */
    @Override
    public AttentionShape attentionShape() {
        return new AttentionShape(nHeads, nHeads, headSize());
    }
}
