package dev.forwardpass.server;

/** One admitted request as its client sees it: its events, in order, and a way to give it up. */
public interface Sequence {
    /** {@return the next event}, waiting for it; after a {@link SequenceEvent.Finished} there is none */
    SequenceEvent next() throws InterruptedException;

    /** Gives the sequence up: it ends before its next step (or never starts), as {@code CANCELLED}; any thread. */
    void cancel();
}
