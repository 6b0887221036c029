package dev.forwardpass.benchmarks;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import java.lang.foreign.Arena;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One {@code matmul(out, w, x)} of a weight {@code [d, n]} and {@link #rows()} activation rows, on streamed weights
 * ({@link StreamedWeights}). The shapes are those of the TinyStories models (vocabulary 32000):
 * <table>
 *   <caption>shape parameter (d x n)</caption>
 *   <tr><th>model</th><th>wq, wk, wv, wo</th><th>wGate, wUp (w1, w3)</th><th>wDown (w2)</th><th>classifier</th></tr>
 *   <tr><td>15M (dim 288, hidden 768)</td><td>288x288</td><td>768x288</td><td>288x768</td><td>32000x288</td></tr>
 *   <tr><td>110M (dim 768, hidden 2048)</td><td>768x768</td><td>2048x768</td><td>768x2048</td><td>32000x768</td></tr>
 * </table>
 * plus the square 1024x1024 and 4096x4096. Work per operation: {@code 2·rows·d·n} floating point operations and
 * {@code 4·d·n} bytes of weights read, or {@code type.byteSize(d·n)} for a block type (activations:
 * {@code 4·rows·(n + d)} bytes, from cache).
 */
@State(Scope.Benchmark)
public abstract class MatmulState {
    static final long SEED = 42;

    /** Which backend computes. */
    @Param({"scalar", "java", "djl"})
    public String backend;

    /** How many threads it may use (PyTorch's intra-op threads for djl). */
    @Param({"1", "2"})
    public int threads;

    /**
     * The weights' dtype: F32, or one of ggml's block types (e.g. {@code -p type=F32,Q8_0,Q4_0,Q4_K,Q6_K}), whose
     * bytes per weight {@code DType.byteSize} gives: Q8_0 34/32, Q4_0 18/32, Q4_K 144/256, Q6_K 210/256.
     */
    @Param({"F32"})
    public String type;

    /** The weight's shape, {@code d x n}: d outputs, each a dot product of length n. */
    @Param({"288x288", "768x288", "288x768", "32000x288", "768x768", "2048x768", "768x2048", "32000x768",
            "1024x1024", "4096x4096"})
    public String shape;

    private Backend compute;
    private Arena arena;
    private StreamedWeights weights;
    private Tensor x;   // (n,) or (rows, n)
    private Tensor out; // (d,) or (rows, d)

    /** {@return how many activation rows one matmul multiplies: 1 is a vector {@code [n]}, more a matrix} */
    abstract int rows();

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = shape.split("x");
        checkArgument(dims.length == 2, "shape must be DxN, found %s", shape);
        int d = Integer.parseInt(dims[0]);
        int n = Integer.parseInt(dims[1]);
        int rows = rows();
        compute = BenchmarkBackends.open(backend, threads);
        arena = Arena.ofShared();
        weights = new StreamedWeights(compute, d, n, DType.valueOf(type), SEED);
        x = RandomData.tensor(compute, arena, rows == 1 ? Shape.of(n) : Shape.of(rows, n), SEED + 1);
        out = compute.allocate(rows == 1 ? Shape.of(d) : Shape.of(rows, d));
    }

    /** One matmul, with the next copy of the weights. */
    final void multiply() {
        compute.matmul(out, weights.next(), x);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (compute != null) {
            out.close();
            x.close();
            weights.close();
            compute.close();
            arena.close();
        }
    }
}
