package dev.forwardpass.benchmarks;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
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
 * One layer's attention of {@link #rows()} query rows over a KV cache of {@link #seqLen()} positions, on random
 * queries, keys and values: the state of the attention benchmarks, which say the shape and the position.
 */
@State(Scope.Benchmark)
public abstract class AttentionState {
    /** Which backend computes. */
    @Param({"scalar", "java", "djl"})
    public String backend;

    /** How many threads it may use. */
    @Param({"1", "2"})
    public int threads;

    private Backend compute;
    private Arena arena;
    private Tensor q;      // (queryDim,) or (rows, queryDim)
    private Tensor keys;   // (seqLen, kvDim)
    private Tensor values; // (seqLen, kvDim)
    private Tensor out;    // as q

    /** {@return the heads of the layer} */
    abstract AttentionShape heads();

    /** {@return the query rows: 1 is a vector {@code [queryDim]}, more a matrix} */
    abstract int rows();

    /** {@return the positions the KV cache holds} */
    abstract int seqLen();

    /** {@return the seed of the random queries; keys and values take the next two} */
    abstract long seed();

    @Setup(Level.Trial)
    public void setUp() {
        AttentionShape heads = heads();
        Shape rowsShape = rows() == 1 ? Shape.of(heads.queryDim()) : Shape.of(rows(), heads.queryDim());
        compute = BenchmarkBackends.open(backend, threads);
        arena = Arena.ofShared();
        q = RandomData.tensor(compute, arena, rowsShape, seed());
        keys = RandomData.tensor(compute, arena, Shape.of(seqLen(), heads.kvDim()), seed() + 1);
        values = RandomData.tensor(compute, arena, Shape.of(seqLen(), heads.kvDim()), seed() + 2);
        out = compute.allocate(rowsShape);
    }

    /** The attention of the rows, the first at position {@code pos}. */
    final void attend(int pos) {
        compute.attention(out, q, keys, values, pos, heads());
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
