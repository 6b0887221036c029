package dev.forwardpass.benchmarks;

import dev.forwardpass.models.decoder.LanguageModel;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Several sequences decoded together, one forward pass per step ({@link LanguageModel#decode}), on the random-weight
 * checkpoints of {@link ForwardBenchmark} (its {@code model} parameter: run the 110M shape with {@code -p model=110m}).
 * Sequence {@code b} of a batch of {@code B} decodes at position {@link ForwardBenchmark#DECODE_POS}{@code + b}, its
 * positions before filled by a prefill; {@code B = 1} is {@link ForwardBenchmark#decode}'s step, through
 * {@code decode}. Two benchmarks:
 * <ul>
 *   <li>{@link #decode}: one step. The score is steps per second; the {@code tokens} counter ({@link Tokens}) is tokens
 *       per second, B per step, so the gain of batching is the ratio of that counter between batch sizes of one run.
 *   <li>{@link #decodeThenSingle}: one step of the batch, then one step of its first sequence alone
 *       ({@code Session.forward}), timed apart ({@link SplitTimes}): B × singleNanos ÷ batchNanos is the gain of
 *       batching with both under the same load, which on a shared machine drifts between the trials of {@link #decode}
 *       (as {@code ForwardBenchmark.decodeThenMatvecs} does for its ratio); with {@code threads=1}, B ×
 *       singleCpuNanos ÷ batchCpuNanos is that gain with the time other processes held the core left out.
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.ADD_MODULES, ForkFlags.VECTOR_MODULE, ForkFlags.NATIVE_ACCESS,
        ForkFlags.JMH_UNSAFE,
        ForkFlags.COMPILE_COMMANDS})
public class BatchedDecodeBenchmark {

    /** The model, {@code batch} sessions ready to decode, and the step's tokens and positions. */
    public static class BatchState extends ForwardBenchmark.ModelState {
        /** How many sequences decode together. */
        @Param({"1", "4", "8", "16"})
        public int batch;

        List<LanguageModel.Session> sessions;
        int[] tokens;              // (batch,) the token each sequence decodes, the same at every step
        int[] positions;           // (batch,) where: DECODE_POS + b
        float[] firstLogits;       // (batch,) each row's first logit, so that the sink's work is observable
        LanguageModel.LogitsSink sink;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            open();
            sessions = new ArrayList<>(List.of(session));
            while (sessions.size() < batch) {
                sessions.add(loaded.newSession());
            }
            tokens = new int[batch];
            positions = new int[batch];
            for (int b = 0; b < batch; b++) {
                positions[b] = ForwardBenchmark.DECODE_POS + b;
                int[] context = tokens(positions[b] + 1);
                sessions.get(b).prefill(Arrays.copyOf(context, positions[b]), 0);
                tokens[b] = context[positions[b]];
            }
            firstLogits = new float[batch];
            sink = (row, logits) -> firstLogits[row] = logits[0];
        }

        /** Closes the sessions beyond the first (which the model state closes). */
        @Override
        void closeOwnTensors() {
            if (sessions != null) {
                sessions.subList(1, sessions.size()).forEach(LanguageModel.Session::close);
            }
        }
    }

    /** The tokens decoded in an iteration: JMH reports them per second next to the steps. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Tokens {
        public long tokens;

        @Setup(Level.Iteration)
        public void reset() {
            tokens = 0;
        }
    }

    /**
     * The nanoseconds of the batched steps and of the single steps of {@link #decodeThenSingle}, and how many of each,
     * summed over one iteration (events, not divided by the time). Also the CPU time of the benchmark thread in each:
     * with {@code threads=1} that thread does all the work, and its CPU time leaves out the time other processes of
     * a busy machine held the core.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class SplitTimes {
        public long batchNanos;
        public long singleNanos;
        public long batchCpuNanos;
        public long singleCpuNanos;
        public long steps;

        @Setup(Level.Iteration)
        public void reset() {
            batchNanos = 0;
            singleNanos = 0;
            batchCpuNanos = 0;
            singleCpuNanos = 0;
            steps = 0;
        }
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** One step: the next token of every sequence of the batch; returns each row's first logit. */
    @Benchmark
    public float[] decode(BatchState s, Tokens decoded) {
        s.loaded.decode(s.sessions, s.tokens, s.positions, s.sink);
        decoded.tokens += s.batch;
        return s.firstLogits;
    }

    /**
     * A step of the batch, then the same token of its first sequence decoded alone (at the same position, so the
     * cache is unchanged), each timed; returns the single step's logits.
     */
    @Benchmark
    public float[] decodeThenSingle(BatchState s, SplitTimes times) {
        long startCpu = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        s.loaded.decode(s.sessions, s.tokens, s.positions, s.sink);
        long batched = System.nanoTime();
        long batchedCpu = THREADS.getCurrentThreadCpuTime();
        float[] logits = s.session.forward(s.tokens[0], s.positions[0]);
        long end = System.nanoTime();
        times.batchCpuNanos += batchedCpu - startCpu;
        times.singleCpuNanos += THREADS.getCurrentThreadCpuTime() - batchedCpu;
        times.batchNanos += batched - start;
        times.singleNanos += end - batched;
        times.steps++;
        return logits;
    }
}
