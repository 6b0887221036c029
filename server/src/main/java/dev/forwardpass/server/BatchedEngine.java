package dev.forwardpass.server;

import dev.forwardpass.models.text.Completion;
import dev.forwardpass.models.text.Generation;
import dev.forwardpass.models.text.GenerationBatch;
import dev.forwardpass.models.text.TextModel;
import dev.forwardpass.models.text.TokenLogprobs;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * An engine that decodes its running sequences together, one batched forward pass per step ({@link GenerationBatch}:
 * continuous batching). At most {@code parallel} sequences are in the batch; up to {@code queue} more wait, in arrival
 * order, and join as others leave; beyond that a submission is refused.
 */
final class BatchedEngine extends GenerationEngine {
    private final GenerationBatch batch;
    // guarded by this
    private final Deque<Job> waiting = new ArrayDeque<>();
    private final List<Job> running = new ArrayList<>();
    private boolean shuttingDown;

    /**
     * @param parallel the most sequences decoded together, >= 1 (as {@link ServerOptions} checks)
     * @param queue the most sequences waiting to join, >= 0
     */
    BatchedEngine(TextModel model, int parallel, int queue) {
        super(model, parallel, queue);
        this.batch = new GenerationBatch(model);
    }

    @Override
    synchronized Sequence admit(Generation generation) {
        if (shuttingDown || running.size() + waiting.size() >= capacity) {
            throw refusal(generation, shuttingDown);
        }
        Job job = new Job(generation);
        if (running.size() < parallel) {
            join(job);
        } else {
            waiting.add(job);
        }
        return job;
    }

    /** Puts {@code job} into the batch. */
    private void join(Job job) {
        running.add(job);
        batch.add(job.generation, job);
    }

    /** {@code job} has ended: the first one waiting takes its place. */
    private synchronized void left(Job job) {
        running.remove(job);
        Job next = waiting.poll();
        if (next != null) {
            join(next);
        }
        notifyAll();
    }

    @Override
    public synchronized int activeSequences() {
        return running.size();
    }

    @Override
    public synchronized int queuedSequences() {
        return waiting.size();
    }

    @Override
    public void shutdown(Duration deadline) throws InterruptedException {
        synchronized (this) {
            shuttingDown = true;
            long end = System.nanoTime() + deadline.toNanos();
            for (long left; !idle() && (left = end - System.nanoTime()) > 0; ) {
                wait(Math.max(1, left / 1_000_000));
            }
            // the rest are cancelled: waiting ones join to end at once, without a forward pass
            for (Job job : running) {
                job.generation.cancel();
            }
            for (Job job; (job = waiting.poll()) != null; ) {
                job.generation.cancel();
                join(job);
            }
            while (!idle()) {
                wait();
            }
        }
        batch.close();
    }

    private boolean idle() {
        return running.isEmpty() && waiting.isEmpty();
    }

    /** One admitted sequence: its generation, and the events its client takes. */
    private final class Job extends Admitted implements GenerationBatch.Listener {

        Job(Generation generation) {
            super(generation);
        }

        @Override
        public void accept(String text, TokenLogprobs logprobs) {
            events.add(new SequenceEvent.Text(text, logprobs));
        }

        @Override
        public void finished(Completion completion) {
            events.add(new SequenceEvent.Finished(completion));
            left(this);
        }

        @Override
        public void failed(RuntimeException error) {
            events.add(new SequenceEvent.Failed(error));
            left(this);
        }

        @Override
        public void cancel() {
            generation.cancel();
            synchronized (BatchedEngine.this) {
                // a waiting sequence joins at once, to end without a forward pass and leave its place
                if (waiting.remove(this)) {
                    join(this);
                }
            }
        }
    }
}
