package dev.forwardpass.benchmarks;

import dev.forwardpass.api.AttentionShape;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
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
public class PromptAttentionBenchmark extends AttentionState {
    private static final AttentionShape HEADS = new AttentionShape(8, 4, 8);
    private static final int PROMPT = 128;

    @Override
    AttentionShape heads() {
        return HEADS;
    }

    @Override
    int rows() {
        return PROMPT;
    }

    @Override
    int seqLen() {
        return PROMPT;
    }

    @Override
    long seed() {
        return 13;
    }

    @Benchmark
    public void attention() {
        attend(0);
    }
}
