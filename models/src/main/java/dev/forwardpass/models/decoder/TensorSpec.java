package dev.forwardpass.models.decoder;

import dev.forwardpass.api.Shape;
import java.util.function.Function;

/**
 * One row of an architecture's tensor table: a weight tensor every consumer (readers, writers, the random
 * initialiser, the uploader, the forward pass) knows by this one description.
 *
 * @param index the row's place in its table: where {@link Weights} keeps the uploaded tensor
 * @param ggufName its name, GGUF's where GGUF stores it alone, without the {@code blk.N.} of a block's tensor:
 *     {@code attn_q.weight}
 * @param perLayer whether every transformer block has its own
 * @param shape its shape, {@code [out, in]} for a linear weight, as a function of the config
 * @param presence whether a model of a config has it
 * @param tiedTo the tensor this one is when a checkpoint ties them (the classifier to the token embedding), or null
 * @param huggingFace where a Hugging Face checkpoint keeps it
 * @param ggufPart where a GGUF file keeps it when it fuses it with others, or null when it stores it alone
 * @param <C> the family's config
 */
public record TensorSpec<C>(int index, String ggufName, boolean perLayer, Function<C, Shape> shape,
        Function<C, Presence> presence, TensorSpec<C> tiedTo, HuggingFaceName huggingFace, GgufPart ggufPart) {

    /** {@return the tensor's full name in layer {@code layer} (ignored for a tensor outside the blocks)} */
    public String name(int layer) {
        return perLayer ? "blk." + layer + "." + ggufName : ggufName;
    }

    /** {@return the full name in layer {@code layer} of the GGUF tensor that holds this one} */
    public String ggufStorageName(int layer) {
        if (ggufPart == null) {
            return name(layer);
        }
        return perLayer ? "blk." + layer + "." + ggufPart.name() : ggufPart.name();
    }

    /** {@return the name of a tensor outside the blocks} */
    public String name() {
        if (perLayer) {
            throw new IllegalStateException(ggufName + " is a block's tensor: name it with its layer");
        }
        return ggufName;
    }

    @Override
    public String toString() {
        return perLayer ? "blk.N." + ggufName : ggufName;
    }
}
