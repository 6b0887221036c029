package dev.forwardpass.models.text;

/** Why a generation ended (the OpenAI API's {@code finish_reason}). */
public enum FinishReason {
    /** The model produced a stop token (end of sequence, end of turn) or the text a stop string. */
    STOP,
    /** The new-token budget ({@link GenerationParams#maxTokens()}) or the model's context ran out. */
    LENGTH,
    /** {@link Generation#cancel()} was called. */
    CANCELLED
}
