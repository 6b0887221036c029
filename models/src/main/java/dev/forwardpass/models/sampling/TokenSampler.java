package dev.forwardpass.models.sampling;

/** Chooses the next tokens of one sequence; it may keep state (the tokens so far, its random generator). */
public interface TokenSampler {
    /** {@return the next token} for these logits, which it may overwrite */
    int sample(float[] logits);

    /** Tells the sampler that {@code token} entered the sequence (a prompt token or a sampled one), in order. */
    default void accept(int token) {}
}
