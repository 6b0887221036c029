package dev.forwardpass.models.chat;

import java.io.Serial;

/**
 * A chat template that cannot be compiled or rendered: a syntax error, a call of something undefined, or a
 * {@code raise_exception(message)} of the template itself (then the message is the template's, word for word).
 */
public final class ChatTemplateException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    public ChatTemplateException(String message) {
        super(message);
    }
}
