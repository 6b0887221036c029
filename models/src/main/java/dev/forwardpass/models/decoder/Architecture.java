package dev.forwardpass.models.decoder;

import dev.forwardpass.api.Backend;

/**
 * A model family's description: its name, its tensor table and how a model of it is made from uploaded weights.
 * Everything that reads, writes, initialises or uploads the family's weights works from this one description.
 *
 * @param name the family's name as {@code info} shows it and GGUF's {@code general.architecture} spells it
 * @param tensors the family's tensors
 * @param factory makes a model of the family (its constructor)
 * @param <C> the family's config
 */
public record Architecture<C extends Record & DecoderConfig>(String name, TensorTable<C> tensors, Factory<C> factory) {

    /** Makes a model of the family from its checkpoint and the weights uploaded from it. */
    @FunctionalInterface
    public interface Factory<C extends Record & DecoderConfig> {
        DecoderModel<C> create(Checkpoint<C> checkpoint, Weights weights, Backend backend);
    }
}
