package dev.forwardpass.backend.java.kernels;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.base.Throwables;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits a range of independent items (matrix rows, attention heads) over a fixed number of threads: the calling
 * thread plus {@code threads - 1} threads of a {@link ForkJoinPool} this object owns (never the common pool).
 *
 * <p>The range is cut into chunks of at least {@code minChunk} items, and the participants claim chunks from a shared
 * counter until none is left, so a thread that was descheduled does not hold the others up. Below two chunks, or with
 * one thread, the body runs on the caller with no hand-off at all. Which thread computes an item never changes what is
 * computed: a body must compute each item on its own, so that results are bit-identical for any thread count.
 *
 * <p>A call allocates nothing: the pool tasks and each participant's {@link Workspace} are created once, with this
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
    /** How long the caller spins for the last helper before parking; helpers usually finish within microseconds. */
    private static final int SPINS_BEFORE_PARK = 1 << 12;

    private final int threads;
    private final ForkJoinPool pool; // null with one thread
    private final Helper[] helpers; // (threads - 1,)
    private final Workspace callerWorkspace = new Workspace();
    private final AtomicBoolean busy = new AtomicBoolean();

    // The current call, written by the caller before any helper is submitted (the submission publishes them).
    private RangeBody body;
    private int from;
    private int to;
    private int chunkSize;
    private int chunkCount;
    private volatile Thread caller;
    private final AtomicInteger nextChunk = new AtomicInteger();
    private final AtomicInteger pendingHelpers = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /**
     * Creates the helpers and, with more than one thread, their pool, whose threads are daemons named
     * {@code forwardpass-<name>-<i>}.
     *
     * @param threads how many threads compute, the caller's included
     */
    public Parallel(int threads, String name) {
        checkArgument(threads >= 1, "threads must be >= 1, found %s", threads);
        this.threads = threads;
        this.helpers = new Helper[threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = new Helper(this);
        }
        this.pool = threads == 1 ? null : new ForkJoinPool(threads - 1, pool -> {
            ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            thread.setName("forwardpass-" + name + "-" + thread.getPoolIndex());
            return thread;
        }, null, false);
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
        chunk = ceilDiv(chunk, minChunk) * minChunk;
        int chunks = Math.max(1, count / chunk); // the last chunk takes the remainder: no chunk is below minChunk
        if (chunks == 1 || pool == null) {
            body.run(from, to, callerWorkspace);
            return;
        }
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
        this.chunkCount = chunkCount;
        this.caller = Thread.currentThread();
        nextChunk.set(0);
        failure.set(null);
        int helperCount = Math.min(helpers.length, chunkCount - 1);
        pendingHelpers.set(helperCount);
        for (int i = 0; i < helperCount; i++) {
            helpers[i].reinitialize();
            pool.execute(helpers[i]);
        }
        try {
            runChunks(callerWorkspace);
        } catch (Throwable t) {
            fail(t);
        }
        awaitHelpers(helperCount);
        Throwable thrown = failure.getAndSet(null);
        if (thrown != null) {
            Throwables.throwIfUnchecked(thrown);
            throw new IllegalStateException(thrown);
        }
    }

    /** Claims and runs chunks until none is left. */
    private void runChunks(Workspace workspace) {
        for (int c = nextChunk.getAndIncrement(); c < chunkCount; c = nextChunk.getAndIncrement()) {
            int lo = from + c * chunkSize;
            body.run(lo, c == chunkCount - 1 ? to : lo + chunkSize, workspace);
        }
    }

    private void fail(Throwable t) {
        failure.compareAndSet(null, t);
        nextChunk.set(chunkCount); // the others stop claiming chunks
    }

    private void awaitHelpers(int helperCount) {
        for (int spins = 0; pendingHelpers.get() != 0; spins++) {
            if (spins < SPINS_BEFORE_PARK) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this); // the last helper unparks us; a stale permit only costs one more check
            }
        }
        // A helper counts down just before its task is marked done; a task may only be resubmitted once done.
        for (int i = 0; i < helperCount; i++) {
            while (!helpers[i].isDone()) {
                Thread.onSpinWait();
            }
        }
    }

    /** Shuts the pool down; calls in flight finish first. */
    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
    }

    private static int ceilDiv(int a, int b) {
        return (int) (((long) a + b - 1) / b);
    }

    /** A pool task that joins the current call as one more participant; reused from call to call. */
    private static final class Helper extends ForkJoinTask<Void> {
        private final Parallel owner;
        private final Workspace workspace = new Workspace();

        Helper(Parallel owner) {
            this.owner = owner;
        }

        @Override
        protected boolean exec() {
            try {
                owner.runChunks(workspace);
            } catch (Throwable t) {
                owner.fail(t);
            } finally {
                if (owner.pendingHelpers.decrementAndGet() == 0) {
                    LockSupport.unpark(owner.caller);
                }
            }
            return true;
        }

        @Override
        public Void getRawResult() {
            return null;
        }

        @Override
        protected void setRawResult(Void value) {}
    }
}
