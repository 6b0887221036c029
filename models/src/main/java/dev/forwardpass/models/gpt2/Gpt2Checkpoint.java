package dev.forwardpass.models.gpt2;

import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.TensorData;

/**
 * A GPT-2 checkpoint as a file format presents it: a config and raw tensors by GGUF-style name, every linear weight
 * {@code [out, in]} and the attention's query, key and value separate:
 * <pre>
 *   token_embd.weight            (vocabSize, dim)
 *   position_embd.weight         (seqLen, dim)
 *   blk.N.attn_norm.{weight,bias}    (dim,)        LayerNorm before attention
 *   blk.N.attn_{q,k,v}.weight    (dim, dim)    blk.N.attn_{q,k,v}.bias (dim,)
 *   blk.N.attn_output.weight     (dim, dim)    blk.N.attn_output.bias  (dim,)
 *   blk.N.ffn_norm.{weight,bias}     (dim,)        LayerNorm before the feed-forward
 *   blk.N.ffn_up.weight          (hiddenDim, dim)  blk.N.ffn_up.bias   (hiddenDim,)
 *   blk.N.ffn_down.weight        (dim, hiddenDim)  blk.N.ffn_down.bias (dim,)
 *   output_norm.{weight,bias}        (dim,)
 *   output.weight                (vocabSize, dim)  only when the classifier is not the token embedding
 * </pre>
 * Each format resolves its own naming, transposing and splitting, so that {@link Gpt2} does not know where the
 * weights came from.
 */
public interface Gpt2Checkpoint extends AutoCloseable {

    /** {@return the file's or folder's name or path} */
    String source();

    /** {@return the model's hyper-parameters} */
    Gpt2Config config();

    /** {@return the tensor called {@code name}, with the shape listed above} */
    TensorData tensor(String name) throws ModelFormatException;

    /** {@return whether the classifier is the token embedding table (GPT-2's tied weights)} */
    boolean sharedClassifier();

    /**
     * Releases the file and any memory the checkpoint owns. Tensors uploaded without a copy must not be used
     * afterwards.
     */
    @Override
    void close();
}
