package dev.forwardpass.server;

import dev.forwardpass.models.text.Completion;
import dev.forwardpass.models.text.Generation;
import dev.forwardpass.models.text.TextModel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An engine that runs each sequence's {@link Generation} on a virtual thread of its own: at most {@code parallel} of
 * them step at once (their forward passes take turns on the model's backend), and up to {@code queue} more wait for a
 * slot in arrival order. Beyond that, a submission is refused.
 */
final class ThreadedEngine extends GenerationEngine {
    /** Running slots, handed out first come, first served: the fair semaphore is the queue. */
    private final Semaphore slots;
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private final Set<Job> jobs = ConcurrentHashMap.newKeySet();
    private boolean shuttingDown;

    /**
     * @param parallel the most sequences stepped at once, >= 1 (as {@link ServerOptions} checks)
     * @param queue the most sequences waiting for a slot, >= 0
     */
    ThreadedEngine(TextModel model, int parallel, int queue) {
        super(model, parallel, queue);
        this.slots = new Semaphore(parallel, true);
    }

    @Override
    synchronized Sequence admit(Generation generation) {
        if (shuttingDown || admitted.get() >= capacity) {
            throw refusal(generation, shuttingDown);
        }
        admitted.incrementAndGet();
        Job job = new Job(generation);
        jobs.add(job);
        job.thread.start();
        return job;
    }

    @Override
    public int activeSequences() {
        return active.get();
    }

    @Override
    public int queuedSequences() {
        return Math.max(0, admitted.get() - active.get());
    }

    @Override
    public void shutdown(Duration deadline) throws InterruptedException {
        synchronized (this) {
            shuttingDown = true;
        }
        long end = System.nanoTime() + deadline.toNanos();
        for (Job job : jobs) {
            job.thread.join(Duration.ofNanos(Math.max(1, end - System.nanoTime())));
        }
        for (Job job : jobs) {
            job.cancel();
        }
        for (Job job : jobs) {
            job.thread.join();
        }
    }

    /** One admitted sequence: its generation, the thread that runs it, and the events its client takes. */
    private final class Job extends Admitted implements Runnable {
        private final Thread thread;
        /** Whether the thread may still be waiting for a slot, the only time {@link #cancel} interrupts it. */
        private boolean waiting = true;

        Job(Generation generation) {
            super(generation);
            this.thread = Thread.ofVirtual().name("sequence").unstarted(this);
        }

        @Override
        public void run() {
            boolean slot = false;
            try {
                slot = acquireSlot();
                if (slot) {
                    active.incrementAndGet();
                }
                // a sequence cancelled in the queue ends at once, without a forward pass
                Completion completion = generation.run((text, logprobs) ->
                        events.add(new SequenceEvent.Text(text, logprobs)));
                events.add(new SequenceEvent.Finished(completion));
            } catch (RuntimeException e) {
                generation.close();
                events.add(new SequenceEvent.Failed(e));
            } finally {
                if (slot) {
                    active.decrementAndGet();
                    slots.release();
                }
                admitted.decrementAndGet();
                jobs.remove(this);
            }
        }

        /** {@return whether a slot was taken}: false if the sequence was cancelled while it waited */
        private boolean acquireSlot() {
            boolean acquired;
            try {
                slots.acquire();
                acquired = true;
            } catch (InterruptedException e) {
                acquired = false;
            }
            synchronized (this) {
                waiting = false;
            }
            Thread.interrupted(); // an interrupt that came with the slot: the generation sees the cancel instead
            return acquired;
        }

        @Override
        public void cancel() {
            generation.cancel();
            synchronized (this) {
                if (waiting) {
                    thread.interrupt();
                }
            }
        }
    }
}
