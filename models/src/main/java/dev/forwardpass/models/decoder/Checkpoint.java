package dev.forwardpass.models.decoder;

import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.TensorData;

/**
 * A model's weights as a file format (or an initialiser) presents them: an architecture, a config, and tensors by
 * their full GGUF-style name ({@code token_embd.weight}, {@code blk.0.attn_q.weight}; see the family's table), each
 * in the layout its table row gives ({@code [out, in]} for a linear weight). Each format resolves its own naming,
 * transposing and splitting, so that a model does not know where its weights came from.
 *
 * @param <C> the family's config
 */
public interface Checkpoint<C extends Record & DecoderConfig> extends AutoCloseable {

    /** {@return the file's or folder's name or path} */
    String source();

    /** {@return the model family} */
    Architecture<C> architecture();

    /** {@return the model's hyper-parameters} */
    C config();

    /**
     * {@return whether the checkpoint holds tensor {@code name}} A tied tensor it does not hold is the one it is tied
     * to; an optional one it does not hold is left out.
     */
    boolean has(String name);

    /**
     * {@return tensor {@code name}, a view of the file or of memory the checkpoint owns}
     *
     * @throws ModelFormatException naming the tensor if the checkpoint does not hold it
     */
    TensorData tensor(String name) throws ModelFormatException;

    /** Releases the file and any memory the checkpoint owns; tensors uploaded without a copy must not be used after. */
    @Override
    void close();
}
