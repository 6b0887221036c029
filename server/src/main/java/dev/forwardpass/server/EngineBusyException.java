package dev.forwardpass.server;

import java.io.Serial;

/** An engine that cannot take a sequence now: every slot and queue place is taken, or it is shutting down. */
public final class EngineBusyException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    public EngineBusyException(String message) {
        super(message);
    }

    /** {@return the refusal of an engine that is shutting down, or full with {@code running} and {@code waiting}} */
    static EngineBusyException refusing(boolean shuttingDown, int running, int waiting) {
        return new EngineBusyException(shuttingDown ? "the server is shutting down"
                : "the server is busy: " + running + " sequences running and " + waiting + " waiting; try again shortly");
    }
}
