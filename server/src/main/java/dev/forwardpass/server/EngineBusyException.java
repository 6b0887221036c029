package dev.forwardpass.server;

import java.io.Serial;

/** An engine that cannot take a sequence now: every slot and queue place is taken, or it is shutting down. */
public final class EngineBusyException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    public EngineBusyException(String message) {
        super(message);
    }
}
