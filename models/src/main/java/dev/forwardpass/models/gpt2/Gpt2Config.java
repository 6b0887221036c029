package dev.forwardpass.models.gpt2;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.AttentionShape;
import java.util.Arrays;

/**
 * The hyper-parameters of a GPT-2 model, named as llama2.c names a Llama's (Hugging Face's names in brackets).
 *
 * @param dim transformer (residual stream) width ({@code n_embd})
 * @param hiddenDim width of the feed-forward layer ({@code n_inner}, 4 × dim unless given)
 * @param nLayers number of transformer blocks ({@code n_layer})
 * @param nHeads number of attention heads ({@code n_head})
 * @param vocabSize number of tokens ({@code vocab_size})
 * @param seqLen maximum sequence length: the rows of the position embedding and the KV cache's length
 *     ({@code n_positions})
 * @param normEps epsilon of LayerNorm ({@code layer_norm_epsilon})
 */
public record Gpt2Config(int dim, int hiddenDim, int nLayers, int nHeads, int vocabSize, int seqLen, float normEps) {

    public Gpt2Config {
        checkArgument(dim > 0 && hiddenDim > 0 && nLayers > 0 && nHeads > 0 && vocabSize > 0 && seqLen > 0,
                "every dimension must be positive: %s", Arrays.toString(new int[] {dim, hiddenDim, nLayers, nHeads,
                        vocabSize, seqLen}));
        checkArgument(dim % nHeads == 0, "nHeads=%s must divide dim=%s", nHeads, dim);
        checkArgument(normEps > 0 && Float.isFinite(normEps), "normEps must be positive, found %s", normEps);
    }

    /** {@return the dimension of one attention head: dim / nHeads} */
    public int headSize() {
        return dim / nHeads;
    }

    /** {@return the attention's head layout: plain multi-head attention, every head with its own keys and values} */
    public AttentionShape attentionShape() {
        return new AttentionShape(nHeads, nHeads, headSize());
    }
}
