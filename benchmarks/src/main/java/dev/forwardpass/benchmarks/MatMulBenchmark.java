package dev.forwardpass.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Matrix × matrix, the matmul of a prefill chunk: {@code out[128, d] = x[128, n] · w[d, n]ᵀ}, 128 prompt tokens at
 * once. Work: {@code 2·128·d·n} FLOP ({@code 4·d·n} bytes of weights); compute-bound, so read it in GFLOP/s.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.ADD_MODULES, ForkFlags.VECTOR_MODULE, ForkFlags.NATIVE_ACCESS,
        ForkFlags.JMH_UNSAFE,
        ForkFlags.COMPILE_COMMANDS})
public class MatMulBenchmark extends MatmulState {
    /** Rows of a prefill chunk, as the Llama model batches a prompt. */
    static final int PREFILL_ROWS = 128;

    @Override
    int rows() {
        return PREFILL_ROWS;
    }

    @Benchmark
    public void matmul() {
        multiply();
    }
}
