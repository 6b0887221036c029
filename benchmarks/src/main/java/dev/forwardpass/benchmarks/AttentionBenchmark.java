package dev.forwardpass.benchmarks;

import dev.forwardpass.api.AttentionShape;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
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
public class AttentionBenchmark extends AttentionState {
    private static final AttentionShape HEADS = new AttentionShape(12, 12, 64);

    /** The decoded token's position: it attends to positions 0..pos. */
    @Param({"64", "1023"})
    public int pos;

    @Override
    AttentionShape heads() {
        return HEADS;
    }

    @Override
    int rows() {
        return 1;
    }

    @Override
    int seqLen() {
        return 1024;
    }

    @Override
    long seed() {
        return 11;
    }

    @Benchmark
    public void attention() {
        attend(pos);
    }
}
