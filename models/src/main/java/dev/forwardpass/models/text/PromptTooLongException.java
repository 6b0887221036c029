package dev.forwardpass.models.text;

import java.io.Serial;

/** A prompt with more tokens than the model's context holds: a caller's mistake, refused before anything runs. */
public final class PromptTooLongException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int promptTokens;
    private final int contextLength;

    PromptTooLongException(int promptTokens, int contextLength) {
        super("the prompt is " + promptTokens + " tokens, longer than the model's context of " + contextLength);
        this.promptTokens = promptTokens;
        this.contextLength = contextLength;
    }

    /** {@return the tokens of the prompt} */
    public int promptTokens() {
        return promptTokens;
    }

    /** {@return the longest sequence the model holds} */
    public int contextLength() {
        return contextLength;
    }
}
