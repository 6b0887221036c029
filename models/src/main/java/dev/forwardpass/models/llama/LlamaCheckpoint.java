package dev.forwardpass.models.llama;

import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.TensorData;

/**
 * A Llama-family checkpoint as a file format presents it: a config and raw tensors by GGUF-style name
 * ({@code token_embd.weight}, {@code blk.N.attn_norm.weight}, {@code blk.N.attn_q.weight}, {@code attn_k},
 * {@code attn_v}, {@code attn_output}, {@code ffn_norm}, {@code ffn_gate}, {@code ffn_up}, {@code ffn_down},
 * {@code output_norm.weight}, {@code output.weight}). Each format resolves its own naming, layout and tied-weight
 * quirks, so that {@link Llama} does not know where the weights came from.
 */
public interface LlamaCheckpoint extends AutoCloseable {

    /** {@return the file's name or path} */
    String source();

    /** {@return the model's hyper-parameters} */
    LlamaConfig config();

    /** {@return the tensor called {@code name}, a view of the file} */
    TensorData tensor(String name) throws ModelFormatException;

    /** {@return whether the classifier is the token embedding table (counted once in the parameter count)} */
    boolean sharedClassifier();

    /** Unmaps the file. Tensors uploaded without a copy must not be used afterwards. */
    @Override
    void close();
}
