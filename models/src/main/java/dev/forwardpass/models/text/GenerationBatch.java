package dev.forwardpass.models.text;

import dev.forwardpass.models.decoder.LanguageModel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Generations decoded together (continuous batching). Each step runs the next token of every generation in the batch
 * as one forward pass ({@link LanguageModel#decode}), so each weight is read once per step for all of them.
 * Generations join between steps and leave as soon as they end or are cancelled. A newcomer's prompt runs as batches
 * of its own, one chunk of {@link LanguageModel#PREFILL_CHUNK} tokens between two steps of the others, so that a long
 * prompt delays each of their tokens by one chunk's time rather than stopping them for the whole prompt; newcomers
 * start one at a time, in the order they were added.
 *
 * <p>One thread of the batch's own drives it, and calls the listeners; they must return quickly (hand the events to
 * a queue). Batching is invisible in the results but for float rounding: a row of a batch sums its products in
 * another order than a single decode step does.
 */
public final class GenerationBatch implements AutoCloseable {
    /** What becomes of a generation in the batch: its steps' text, then exactly one end. */
    public interface Listener extends Generation.StepListener {
        /** The generation ended (stopped, ran out of budget or context, or was cancelled). */
        void finished(Completion completion);

        /** The generation failed: the model or the backend threw. */
        void failed(RuntimeException error);
    }

    private final LanguageModel model;
    private final Thread driver;
    /** Generations added and not yet started, in order; guarded by {@code this}. */
    private final Deque<Member> joining = new ArrayDeque<>();
    /** Every generation added and not yet ended, for {@link #close()} to cancel. */
    private final Set<Member> unfinished = ConcurrentHashMap.newKeySet();
    private boolean closed;

    // the driver's own: the generations being decoded, and the buffers of a step (resized when the batch is)
    private final List<Member> members = new ArrayList<>();
    /** The newcomer whose prompt is running, a chunk a step, or null. */
    private Member prefilling;
    private final List<LanguageModel.Session> sessions = new ArrayList<>();
    private int[] tokens = new int[0];
    private int[] positions = new int[0];
    private float[][] logits = new float[0][];

    /** A batch over {@code model}'s model; its thread starts at once and ends with {@link #close()}. */
    public GenerationBatch(TextModel model) {
        this.model = model.model();
        this.driver = Thread.ofPlatform().name("forwardpass-batch").daemon().start(this::drive);
    }

    /**
     * Adds {@code generation} (not started yet): it joins the batch at a coming step, and {@code listener} hears of
     * it on the batch's thread. A generation cancelled before it joins ends without running.
     *
     * @throws IllegalStateException if the batch is closed
     */
    public synchronized void add(Generation generation, Listener listener) {
        if (closed) {
            throw new IllegalStateException("the batch is closed");
        }
        Member member = new Member(generation, listener);
        unfinished.add(member);
        joining.add(member);
        notifyAll();
    }

    /** Cancels every generation in the batch or joining it, and waits until they and the batch's thread have ended. */
    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        for (Member member : unfinished) {
            member.generation.cancel();
        }
        driver.join();
    }

    private void drive() {
        while (true) {
            Member newcomer;
            synchronized (this) {
                while (joining.isEmpty() && members.isEmpty() && prefilling == null && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        closed = true; // nobody interrupts this thread but to stop it
                    }
                }
                if (closed && joining.isEmpty() && members.isEmpty() && prefilling == null) {
                    return;
                }
                newcomer = prefilling == null ? joining.poll() : null;
            }
            if (newcomer != null) {
                prefilling = newcomer;
                newcomer.start();
            } else if (prefilling != null) {
                prefilling.endIfCancelled();
                prefilling.prefillChunk();
            }
            // a newcomer whose prompt has run (or that has ended) decodes with the others from this step on
            if (prefilling != null && !prefilling.generation.prefilling()) {
                members.add(prefilling);
                prefilling = null;
            }
            for (Member member : members) {
                member.endIfCancelled();
            }
            leave();
            if (!members.isEmpty()) {
                decodeStep();
                leave();
            }
        }
    }

    /** Runs the next token of every member in one forward pass, then lets each sample from its row. */
    private void decodeStep() {
        int n = members.size();
        if (tokens.length != n) {
            tokens = new int[n];
            positions = new int[n];
            logits = new float[n][];
        }
        sessions.clear();
        for (int b = 0; b < n; b++) {
            Generation generation = members.get(b).generation;
            sessions.add(generation.session());
            tokens[b] = generation.lastToken();
            positions[b] = generation.lastPosition();
        }
        try {
            // copied out: a member may end, and close its session, only after the step has released them all
            model.decode(sessions, tokens, positions, (b, row) -> {
                if (logits[b] == null || logits[b].length != row.length) {
                    logits[b] = new float[row.length];
                }
                System.arraycopy(row, 0, logits[b], 0, row.length);
            });
        } catch (RuntimeException e) {
            for (Member member : members) {
                member.fail(e);
            }
            return;
        }
        for (int b = 0; b < n; b++) {
            members.get(b).take(logits[b]);
        }
    }

    /** Removes the members that have ended, telling their listeners. */
    private void leave() {
        members.removeIf(member -> {
            if (!member.generation.ended()) {
                return false;
            }
            unfinished.remove(member);
            if (!member.failed) {
                member.listener.finished(member.generation.completion());
            }
            return true;
        });
    }

    /** A generation in the batch and who hears of it. */
    private static final class Member {
        final Generation generation;
        final Listener listener;
        boolean failed;

        Member(Generation generation, Listener listener) {
            this.generation = generation;
            this.listener = listener;
        }

        // each step of the generation hands out its text; a step that throws fails this generation alone

        void start() {
            try {
                deliver(generation.startInBatch());
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        void prefillChunk() {
            if (generation.ended()) {
                return;
            }
            try {
                deliver(generation.prefillChunk());
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        void take(float[] row) {
            try {
                deliver(generation.takeDecoded(row));
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        void endIfCancelled() {
            try {
                String rest = generation.endIfCancelled();
                if (rest != null) {
                    deliver(rest);
                }
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        private void deliver(String piece) {
            TokenLogprobs logprobs = generation.takeStepLogprobs();
            if (!piece.isEmpty() || logprobs != null) {
                listener.accept(piece, logprobs);
            }
        }

        /** Ends the generation as failed (it leaves at the next {@link #leave()}), telling the listener once. */
        void fail(RuntimeException error) {
            if (failed) {
                return;
            }
            failed = true;
            generation.abandon();
            listener.failed(error);
        }
    }
}
