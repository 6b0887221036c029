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
 * One layer's attention for one decoded token of the 110M model (12 heads of 64, a KV cache of 1024 positions) at
 * position {@code pos}: each head scores {@code pos + 1} keys, softmaxes, and sums as many values. Work:
 * {@code 4·(pos+1)·768} FLOP and {@code 2·4·(pos+1)·768} bytes of keys and values.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.ADD_MODULES, ForkFlags.VECTOR_MODULE, ForkFlags.NATIVE_ACCESS,
        ForkFlags.JMH_UNSAFE,
        ForkFlags.COMPILE_COMMANDS})
@State(Scope.Benchmark)
public class AttentionBenchmark {
    private static final long SEED = 11;
    private static final AttentionShape HEADS = new AttentionShape(12, 12, 64);
    private static final int SEQ_LEN = 1024;

    /** Which backend computes. */
    @Param({"scalar", "java", "djl"})
    public String backend;

    /** How many threads it may use. */
    @Param({"1", "2"})
    public int threads;

    /** The decoded token's position: it attends to positions 0..pos. */
    @Param({"64", "1023"})
    public int pos;

    private Backend compute;
    private Arena arena;
    private Tensor q;      // (queryDim,)
    private Tensor keys;   // (seqLen, kvDim)
    private Tensor values; // (seqLen, kvDim)
    private Tensor out;    // (queryDim,)

    @Setup(Level.Trial)
    public void setUp() {
        compute = BenchmarkBackends.open(backend, threads);
        arena = Arena.ofShared();
        q = RandomData.tensor(compute, arena, Shape.of(HEADS.queryDim()), SEED);
        keys = RandomData.tensor(compute, arena, Shape.of(SEQ_LEN, HEADS.kvDim()), SEED + 1);
        values = RandomData.tensor(compute, arena, Shape.of(SEQ_LEN, HEADS.kvDim()), SEED + 2);
        out = compute.allocate(Shape.of(HEADS.queryDim()));
    }

    @Benchmark
    public void attention() {
        compute.attention(out, q, keys, values, pos, HEADS);
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
