package dev.forwardpass.benchmarks;

import dev.forwardpass.backend.java.HugePages;
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
 * The machine's memory bandwidth as a Java program can use it: a streaming dot product over {@value #BYTES} bytes of
 * floats (32 times a 32 MiB last-level cache, so nearly all of it comes from memory), with the Vector API, split over
 * 1 or 2 threads. The floats are on the 2 MiB pages the java backend keeps weights on ({@link HugePages}): 4 KiB
 * pages, a mapped file's or a JVM arena's, cost a third of the bandwidth in TLB misses. One
 * operation reads {@value #BYTES} bytes; report.py turns its time into GB/s, the ceiling against which a decode step's
 * weight streaming (a matrix × vector is the same loop with a multiply) is read.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {ForkFlags.ADD_MODULES, ForkFlags.VECTOR_MODULE, ForkFlags.NATIVE_ACCESS,
        ForkFlags.JMH_UNSAFE,
        ForkFlags.COMPILE_COMMANDS})
@State(Scope.Benchmark)
public class MemoryBandwidthBenchmark {
    /** Bytes read by one operation: 1 GiB. */
    static final long BYTES = 1L << 30;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Rows read together, each into an accumulator of its own. */
    private static final int UNROLL = 4;
    /** Floats of one row: a multiple of 4 vectors of any width, dividing {@link #BYTES}. */
    private static final int ROW_FLOATS = 1024;
    /** The cached vector of the dot product (ones, so the result is the plain sum). */
    private static final FloatVector ONES = FloatVector.broadcast(F, 1f);

    /** How many threads read, each its own contiguous part. */
    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private MemorySegment data; // (BYTES / 4,) floats, on the pages the java backend keeps weights on
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
        data = HugePages.allocate(BYTES, arena);
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

    /**
     * {@return the dot product of {@code s}, read as rows of {@value #ROW_FLOATS} floats, with one cached row of
     * ones}: the access pattern of a matrix × vector (a decode step), where the weights stream once and the vector
     * stays in L1, without its arithmetic. Rows are read {@value #UNROLL} at a time, one accumulator each, as the
     * decode kernels read them: {@value #UNROLL} streams keep more loads in flight than one. Int-indexed Vector API
     * loop per group of rows, as C2 compiles best.
     */
    static float sum(MemorySegment s) {
        long rowBytes = (long) ROW_FLOATS * Float.BYTES;
        long rows = s.byteSize() / rowBytes; // a multiple of UNROLL
        float total = 0;
        for (long row = 0; row < rows; row += UNROLL) {
            total += dotRows(s, row * rowBytes, rowBytes);
        }
        return total;
    }

    private static float dotRows(MemorySegment s, long base, long rowBytes) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        for (int i = 0; i < ROW_FLOATS; i += F.length()) {
            long offset = base + (long) i * Float.BYTES;
            a0 = FloatVector.fromMemorySegment(F, s, offset, ByteOrder.LITTLE_ENDIAN).fma(ONES, a0);
            a1 = FloatVector.fromMemorySegment(F, s, offset + rowBytes, ByteOrder.LITTLE_ENDIAN).fma(ONES, a1);
            a2 = FloatVector.fromMemorySegment(F, s, offset + 2 * rowBytes, ByteOrder.LITTLE_ENDIAN).fma(ONES, a2);
            a3 = FloatVector.fromMemorySegment(F, s, offset + 3 * rowBytes, ByteOrder.LITTLE_ENDIAN).fma(ONES, a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
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
