package dev.forwardpass.benchmarks;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One layer's attention for a prompt of 128 tokens of the embedded stories260K's shape (8 query heads and 4 key/value
 * heads of 8 floats) from position 0: row t scores t + 1 keys, softmaxes them and sums as many values. Short rows of
 * short heads, where the per-row and per-key costs (lane sums, the softmax's tails) outweigh the arithmetic: more than
 * half of a stories260K prefill was here.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.ADD_MODULES, ForkFlags.VECTOR_MODULE, ForkFlags.NATIVE_ACCESS,
        ForkFlags.JMH_UNSAFE,
        ForkFlags.COMPILE_COMMANDS})
@State(Scope.Benchmark)
public class PromptAttentionBenchmark {
    private static final long SEED = 13;
    private static final AttentionShape HEADS = new AttentionShape(8, 4, 8);
    private static final int PROMPT = 128;

    /** Which backend computes. */
    @Param({"scalar", "java", "djl"})
    public String backend;

    /** How many threads it may use. */
    @Param({"1", "2"})
    public int threads;

    private Backend compute;
    private Arena arena;
    private Tensor q;      // (PROMPT, queryDim)
    private Tensor keys;   // (PROMPT, kvDim)
    private Tensor values; // (PROMPT, kvDim)
    private Tensor out;    // (PROMPT, queryDim)

    @Setup(Level.Trial)
    public void setUp() {
        compute = BenchmarkBackends.open(backend, threads);
        arena = Arena.ofShared();
        q = RandomData.tensor(compute, arena, Shape.of(PROMPT, HEADS.queryDim()), SEED);
        keys = RandomData.tensor(compute, arena, Shape.of(PROMPT, HEADS.kvDim()), SEED + 1);
        values = RandomData.tensor(compute, arena, Shape.of(PROMPT, HEADS.kvDim()), SEED + 2);
        out = compute.allocate(Shape.of(PROMPT, HEADS.queryDim()));
    }

    @Benchmark
    public void attention() {
        compute.attention(out, q, keys, values, 0, HEADS);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (compute != null) {
            for (Tensor t : new Tensor[] {q, keys, values, out}) {
                t.close();
            }
            compute.close();
            arena.close();
        }
    }
}
