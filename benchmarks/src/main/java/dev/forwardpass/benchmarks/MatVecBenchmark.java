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
 * Matrix × vector, the matmul of a decode step: {@code out[d] = w[d, n] · x[n]}, weights streamed from memory. Work:
 * {@code 2·d·n} FLOP and {@code 4·d·n} bytes of weights; memory-bound, so read it in GB/s. On the djl backend this is
 * the "bare DJL matrix × vector" baseline a djl decode step is compared with (report.py adds up one token's worth).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.ADD_MODULES, ForkFlags.VECTOR_MODULE, ForkFlags.NATIVE_ACCESS,
        ForkFlags.JMH_UNSAFE,
        ForkFlags.COMPILE_COMMANDS})
public class MatVecBenchmark extends MatmulState {

    @Override
    int rows() {
        return 1;
    }

    @Benchmark
    public void matvec() {
        multiply();
    }
}
