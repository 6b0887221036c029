package dev.forwardpass.benchmarks;

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
 * The small row ops of a decode step on one vector {@code [n]} (n = 768 is the 110M model's dim, 32000 the length of
 * a logits vector): {@code rmsNorm} and {@code add} (the residual connection). Each reads {@code 8·n} bytes (x and
 * the norm weight or the added row) and writes {@code 4·n}, a few microseconds of memory traffic at most, so what
 * these mostly show is the fixed cost of one op call on each backend: a decode step of the 110M model makes about 200
 * calls. One thread: the pure-Java backends
 * run these ops on the caller, and PyTorch does not split vectors this short.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.ADD_MODULES, ForkFlags.VECTOR_MODULE, ForkFlags.NATIVE_ACCESS,
        ForkFlags.JMH_UNSAFE,
        ForkFlags.COMPILE_COMMANDS})
@State(Scope.Benchmark)
public class RowOpsBenchmark {
    private static final long SEED = 7;

    /** Which backend computes. */
    @Param({"scalar", "java", "djl"})
    public String backend;

    /** The vector's length. */
    @Param({"768", "32000"})
    public int n;

    private Backend compute;
    private Arena arena;
    private Tensor x;      // (n,)
    private Tensor weight; // (n,): the norm weight, and the row add adds
    private Tensor out;    // (n,)

    @Setup(Level.Trial)
    public void setUp() {
        compute = BenchmarkBackends.open(backend, 1);
        arena = Arena.ofShared();
        x = RandomData.tensor(compute, arena, Shape.of(n), SEED);
        weight = RandomData.tensor(compute, arena, Shape.of(n), SEED + 1);
        out = compute.allocate(Shape.of(n));
    }

    @Benchmark
    public void rmsNorm() {
        compute.rmsNorm(out, x, weight, 1e-5f);
    }

    @Benchmark
    public void add() {
        compute.add(out, x, weight);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (compute != null) {
            for (Tensor t : new Tensor[] {x, weight, out}) {
                t.close();
            }
            compute.close();
            arena.close();
        }
    }
}
