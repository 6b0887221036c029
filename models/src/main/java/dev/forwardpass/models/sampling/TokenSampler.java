package dev.forwardpass.models.sampling;

/**
 * One sequence's way of choosing its next token from the model's logits. It may keep state between tokens (the
 * random generator, the tokens the penalties look at), so each sequence gets its own.
 */
public interface TokenSampler {
    /**
     * {@return the next token} for {@code logits} (one per vocabulary entry), which this may overwrite. Allocates
     * nothing.
     *
     * @throws IllegalArgumentException if there are not vocabulary-size logits, or one is NaN or infinite: a model
     *     that computes those is broken, and no token can be drawn from them
     */
    int sample(float[] logits);

    /**
     * Tells the sampler that {@code token} is now part of the sequence. The session calls it for every prompt token
     * and every generated token, in order (as llama.cpp's server accepts prompt tokens into its sampler); the
     * repetition penalties look at the last {@code penalty_last_n} of them. A sampler without memory ignores it.
     */
    default void accept(int token) {}
}
