package dev.forwardpass.server;

import dev.forwardpass.models.chat.ChatMessage;
import dev.forwardpass.models.text.Generation;
import dev.forwardpass.models.text.GenerationParams;
import dev.forwardpass.models.text.TextModel;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * What the engines share: the model, how many sequences run and wait, a request made into a {@link Generation}
 * (which checks it before anything is admitted), the refusal when full, and a sequence's queue of events. How the
 * admitted generations run is each engine's own.
 */
abstract class GenerationEngine implements Engine {
    final TextModel model;
    final int parallel;
    /** Running and waiting sequences at most. */
    final int capacity;

    /**
     * @param parallel the most sequences running at once, >= 1 (as {@link ServerOptions} checks)
     * @param queue the most sequences waiting, >= 0
     */
    GenerationEngine(TextModel model, int parallel, int queue) {
        this.model = model;
        this.parallel = parallel;
        this.capacity = parallel + queue;
    }

    @Override
    public final Sequence submitCompletion(String prompt, GenerationParams params) {
        return admit(model.newCompletion(prompt, params));
    }

    @Override
    public final Sequence submitChat(List<ChatMessage> messages, GenerationParams params) {
        return admit(model.newChat(messages, params));
    }

    /**
     * {@return {@code generation} (not started) admitted: running, or waiting for a place}
     *
     * @throws EngineBusyException if it is refused ({@link #refusal})
     */
    abstract Sequence admit(Generation generation);

    /** Closes a refused {@code generation}; {@return the exception that says why} */
    final EngineBusyException refusal(Generation generation, boolean shuttingDown) {
        generation.close();
        return EngineBusyException.refusing(shuttingDown, parallel, capacity - parallel);
    }

    /** An admitted sequence: its generation, and the events its client takes in order. */
    abstract static class Admitted implements Sequence {
        final Generation generation;
        final BlockingQueue<SequenceEvent> events = new LinkedBlockingQueue<>();

        Admitted(Generation generation) {
            this.generation = generation;
        }

        @Override
        public final SequenceEvent next() throws InterruptedException {
            return events.take();
        }
    }
}
