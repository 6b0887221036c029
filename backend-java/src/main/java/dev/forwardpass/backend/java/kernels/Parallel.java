package dev.forwardpass.backend.java.kernels;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.base.Throwables;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits a range of independent items (matrix rows, attention heads) over a fixed number of threads: the calling
 * thread plus {@code threads - 1} daemon worker threads this object owns (never the common pool).
 *
 * <p>The range is cut into chunks of at least {@code minChunk} items, and the participants claim chunks from a shared
 * counter until none is left. Nobody waits for a thread to arrive: a worker that is descheduled, or still waking up,
 * simply claims nothing, and the caller and the other workers take its share. The caller waits only for chunks that
 * were claimed and are still running, and chunks are small (several per thread). Below two chunks, or with one thread,
 * the body runs on the caller with no hand-off at all. Which thread computes an item never changes what is computed:
 * a body must compute each item on its own, so that results are bit-identical for any thread count.
 *
 * <p>A decode step makes about a hundred calls of a few hundred microseconds each, so waking a parked thread for every
 * call (tens of microseconds, more on a busy machine) would cost a large part of the step. Workers therefore spin for
 * a short while ({@link #SPIN_NANOS}) after their last chunk, where the next call finds them within a microsecond, and
 * only then park; the caller unparks the parked ones when it publishes a call.
 *
 * <p>A call allocates nothing: the workers and each participant's {@link Workspace} are created once, with this
 * object, and reused. In exchange {@link #forRange} serves one caller at a time and must not be nested; concurrent or
 * nested calls fail with {@link IllegalStateException} (the backend serializes its calls).
 */
public final class Parallel implements AutoCloseable {

    /** The work of one chunk. */
    @FunctionalInterface
    public interface RangeBody {
        /**
         * Computes items {@code from} (inclusive) to {@code to} (exclusive).
         *
         * @param workspace scratch memory owned by the running thread for the duration of this call
         */
        void run(int from, int to, Workspace workspace);
    }

    /** Chunks per thread: more than one, so that a late or slow thread leaves its share to the others. */
    private static final int CHUNKS_PER_THREAD = 4;
    /** Chunk counts are packed in 16 bits of {@link #claims}; the count per call is capped well below. */
    private static final int MAX_CHUNKS = 1 << 14;
    /** How long an idle worker keeps looking for the next call before it parks: longer than the gap between ops. */
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    /** How long the caller spins on chunks still running before it starts yielding its processor to their threads. */
    private static final long CALLER_SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

    private final int threads;
    private final Worker[] workers; // (threads - 1,)
    private final Workspace callerWorkspace = new Workspace();
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile boolean closed;

    // The current call. The caller writes these fields, then publishes the call through `claims` (a volatile write);
    // a participant reads them only after claiming a chunk of that call, and they cannot change while the call has
    // unclaimed or running chunks.
    private RangeBody body;
    private int from;
    private int to;
    private int chunkSize;
    /**
     * The chunk hand-out of the current call: generation (bits 32-63) | chunk count (bits 16-31) | next unclaimed chunk
     * (bits 0-15). A claim is a compare-and-set that increments the last field; tagging it with the generation means a
     * worker that wakes late cannot claim a chunk of a call other than the one it read.
     */
    private final AtomicLong claims = new AtomicLong();
    /** Chunks of the current call that are finished (or skipped after a failure). */
    private final AtomicInteger finished = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /**
     * Starts the workers, daemon threads named {@code forwardpass-<name>-<i>}.
     *
     * @param threads how many threads compute, the caller's included
     */
    public Parallel(int threads, String name) {
        checkArgument(threads >= 1, "threads must be >= 1, found %s", threads);
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(this, "forwardpass-" + name + "-" + (i + 1));
        }
        for (Worker worker : workers) {
            worker.start();
        }
    }

    /** {@return how many threads compute, the caller's included} */
    public int threads() {
        return threads;
    }

    /** {@return the workspace of the calling thread, for kernels that run without splitting} */
    public Workspace callerWorkspace() {
        return callerWorkspace;
    }

    /**
     * Runs {@code body} over the items {@code from..to-1}, in parallel when there are at least {@code 2 * minChunk}
     * items (no chunk is smaller than {@code minChunk}). Chunk boundaries fall on multiples of {@code minChunk} from
     * {@code from}, so a body that works in groups (e.g. 4 matrix rows) gets whole groups. Returns when every item is
     * done; an exception thrown by the body on any thread is rethrown here.
     */
    public void forRange(int from, int to, int minChunk, RangeBody body) {
        checkArgument(minChunk >= 1, "minChunk must be >= 1, found %s", minChunk);
        int count = to - from;
        if (count <= 0) {
            return;
        }
        int chunk = Math.max(minChunk, ceilDiv(count, threads * CHUNKS_PER_THREAD));
        chunk = Math.max(ceilDiv(chunk, minChunk), ceilDiv(ceilDiv(count, MAX_CHUNKS), minChunk)) * minChunk;
        // the remainder is a chunk of its own if it is not below minChunk, else the last chunk takes it: merged
        // always, a remainder of nearly a chunk made the last chunk twice the others (2048 rows: 6 x 258 + 500)
        int chunks = Math.max(1, count / chunk + (count % chunk >= minChunk ? 1 : 0));
        if (chunks == 1 || workers.length == 0) {
            body.run(from, to, callerWorkspace);
            return;
        }
        checkState(!closed, "Parallel is closed");
        checkState(busy.compareAndSet(false, true), "Parallel.forRange serves one caller at a time and must not be nested");
        try {
            runInParallel(from, to, chunk, chunks, body);
        } finally {
            this.body = null;
            busy.set(false);
        }
    }

    private void runInParallel(int from, int to, int chunkSize, int chunkCount, RangeBody body) {
        this.body = body;
        this.from = from;
        this.to = to;
        this.chunkSize = chunkSize;
        finished.set(0);
        failure.set(null);
        long generation = (claims.get() >>> 32) + 1;
        long published = generation << 32 | (long) chunkCount << 16;
        claims.set(published);
        for (Worker worker : workers) {
            worker.wake();
        }
        runChunks(published, callerWorkspace);
        awaitChunks(chunkCount);
        Throwable thrown = failure.getAndSet(null);
        if (thrown != null) {
            Throwables.throwIfUnchecked(thrown);
            throw new IllegalStateException(thrown);
        }
    }

    /**
     * Claims and runs chunks of the call {@code published} (its value of {@link #claims} before any claim) until none
     * is left, or until another call replaced it.
     */
    private void runChunks(long published, Workspace workspace) {
        long generation = published >>> 32;
        while (true) {
            long claim = claims.get();
            int next = (int) (claim & 0xFFFF);
            int count = (int) (claim >>> 16 & 0xFFFF);
            if (claim >>> 32 != generation || next >= count) {
                return;
            }
            if (!claims.compareAndSet(claim, claim + 1)) {
                continue;
            }
            // claimed chunk `next` of this call: its fields are this call's until the chunk is finished
            int lo = from + next * chunkSize;
            int hi = next == count - 1 ? to : lo + chunkSize;
            try {
                body.run(lo, hi, workspace);
            } catch (Throwable t) {
                fail(t, generation);
            } finally {
                finished.incrementAndGet();
            }
        }
    }

    /** Records the first failure and withdraws the unclaimed chunks of the call, counting them as finished. */
    private void fail(Throwable t, long generation) {
        failure.compareAndSet(null, t);
        while (true) {
            long claim = claims.get();
            int next = (int) (claim & 0xFFFF);
            int count = (int) (claim >>> 16 & 0xFFFF);
            if (claim >>> 32 != generation || next >= count) {
                return;
            }
            if (claims.compareAndSet(claim, claim - next + count)) {
                finished.addAndGet(count - next);
                return;
            }
        }
    }

    /** Waits for the chunks other threads claimed and are still running. */
    private void awaitChunks(int chunkCount) {
        if (finished.get() == chunkCount) {
            return;
        }
        long start = System.nanoTime();
        for (int spins = 0; finished.get() != chunkCount; spins++) {
            // a running chunk is short, unless its thread lost its processor: then give the processor up
            if ((spins & 0xFF) == 0xFF && System.nanoTime() - start > CALLER_SPIN_NANOS) {
                Thread.yield();
            } else {
                Thread.onSpinWait();
            }
        }
    }

    /** Stops the workers; a call in flight finishes first. Closing twice does nothing more. */
    @Override
    public void close() {
        closed = true;
        for (Worker worker : workers) {
            LockSupport.unpark(worker);
        }
    }

    private static int ceilDiv(int a, int b) {
        return (int) (((long) a + b - 1) / b);
    }

    /** A thread that joins every call as one more participant, spinning between calls, then parking. */
    private static final class Worker extends Thread {
        private final Parallel owner;
        private final Workspace workspace = new Workspace();
        /** Set by this thread just before it parks, cleared by the caller that unparks it. */
        private volatile boolean parked;

        Worker(Parallel owner, String name) {
            super(name);
            this.owner = owner;
            setDaemon(true);
        }

        /** Called by the caller after publishing a call: unparks this worker if it parked. */
        void wake() {
            if (parked) {
                parked = false;
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            long seen = owner.claims.get() >>> 32;
            while (!owner.closed) {
                long published = awaitCall(seen);
                if (published != 0) {
                    seen = published >>> 32;
                    owner.runChunks(published, workspace);
                }
            }
        }

        /** {@return the value of {@code claims} of a call newer than generation {@code seen}, or 0 if closed} */
        private long awaitCall(long seen) {
            long start = System.nanoTime();
            for (int spins = 0; ; spins++) {
                long claim = owner.claims.get();
                if (claim >>> 32 != seen) {
                    return claim;
                }
                if (owner.closed) {
                    return 0;
                }
                if ((spins & 0xFF) != 0xFF || System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                // park; the caller publishes, then checks `parked`: we set `parked`, then check the call (Dekker)
                parked = true;
                while (owner.claims.get() >>> 32 == seen && !owner.closed) {
                    LockSupport.park(this);
                }
                parked = false;
                start = System.nanoTime();
            }
        }
    }
}
