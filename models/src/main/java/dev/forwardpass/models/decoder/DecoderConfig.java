package dev.forwardpass.models.decoder;

import dev.forwardpass.api.AttentionShape;

/**
 * The widths every decoder-only transformer's config has, in llama2.c's names: what its session allocates
 * activations and a KV cache from, whatever the family.
 */
public interface DecoderConfig {

    /** {@return the transformer (residual stream) width} */
    int dim();

    /** {@return the width of the feed-forward layer} */
    int hiddenDim();

    /** {@return the number of transformer blocks} */
    int nLayers();

    /** {@return the width of a query row, all heads} */
    int qDim();

    /** {@return the width of a key or value row, all key/value heads} */
    int kvDim();

    /** {@return the number of tokens} */
    int vocabSize();

    /** {@return the longest sequence a session holds (the KV cache's length)} */
    int seqLen();

    /** {@return the attention's head layout} */
    AttentionShape attentionShape();
}
