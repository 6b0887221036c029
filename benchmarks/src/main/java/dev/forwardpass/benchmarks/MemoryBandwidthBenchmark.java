package dev.forwardpass.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
 * The machine's memory bandwidth as a Java program can use it: the sum of {@value #BYTES} bytes of floats in an
 * off-heap {@link MemorySegment} (32 times a 32 MiB last-level cache, so nearly all of it comes from memory), with
 * the Vector API, split over 1 or 2 threads. One operation reads {@value #BYTES} bytes; report.py turns its time into
 * GB/s, the ceiling against which a decode step's weight streaming (a matrix × vector is the same loop with a
 * multiply) is read.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.ADD_MODULES, ForkFlags.VECTOR_MODULE, ForkFlags.NATIVE_ACCESS,
        ForkFlags.JMH_UNSAFE})
@State(Scope.Benchmark)
public class MemoryBandwidthBenchmark {
    /** Bytes read by one operation: 1 GiB. */
    static final long BYTES = 1L << 30;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Independent accumulators, so that the loop waits on loads, not on the latency of one chain of adds. */
    private static final int UNROLL = 4;

    /** How many threads read, each its own contiguous part. */
    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private MemorySegment data; // (BYTES / 4,) floats
    private ExecutorService helpers; // threads - 1 threads; the benchmark thread reads the first part
    private List<Part> parts;

    /** One thread's share of the segment. */
    private record Part(MemorySegment slice) implements Callable<Float> {
        @Override
        public Float call() {
            return sum(slice);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        data = arena.allocate(BYTES, 64);
        // write every page, so the benchmark reads memory, not the kernel's shared zero page
        for (long i = 0; i < BYTES / Float.BYTES; i++) {
            data.setAtIndex(F32, i, (i & 1023) * 0.001f);
        }
        long share = BYTES / threads; // a multiple of 64: threads is 1 or 2 (or another power of two)
        parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long from = t * share;
            parts.add(new Part(data.asSlice(from, t == threads - 1 ? BYTES - from : share)));
        }
        helpers = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread thread = new Thread(r, "bandwidth-helper");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Sums the whole segment; returns the sum so that nothing can be skipped. */
    @Benchmark
    public float sum() throws InterruptedException, ExecutionException {
        if (helpers == null) {
            return sum(data);
        }
        List<Future<Float>> pending = new ArrayList<>(threads - 1);
        for (int t = 1; t < threads; t++) {
            pending.add(helpers.submit(parts.get(t)));
        }
        float total = parts.get(0).call();
        for (Future<Float> f : pending) {
            total += f.get();
        }
        return total;
    }

    /** {@return the sum of the floats of {@code s}}: Vector API body, scalar tail. */
    static float sum(MemorySegment s) {
        long n = s.byteSize() / Float.BYTES;
        long step = (long) F.length() * UNROLL;
        long bound = n - n % step;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        long width = (long) F.length() * Float.BYTES;
        for (long i = 0; i < bound; i += step) {
            long offset = i * Float.BYTES;
            a0 = a0.add(FloatVector.fromMemorySegment(F, s, offset, ByteOrder.nativeOrder()));
            a1 = a1.add(FloatVector.fromMemorySegment(F, s, offset + width, ByteOrder.nativeOrder()));
            a2 = a2.add(FloatVector.fromMemorySegment(F, s, offset + 2 * width, ByteOrder.nativeOrder()));
            a3 = a3.add(FloatVector.fromMemorySegment(F, s, offset + 3 * width, ByteOrder.nativeOrder()));
        }
        float total = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (long i = bound; i < n; i++) {
            total += s.getAtIndex(F32, i);
        }
        return total;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
        if (arena != null) {
            arena.close();
        }
    }
}
