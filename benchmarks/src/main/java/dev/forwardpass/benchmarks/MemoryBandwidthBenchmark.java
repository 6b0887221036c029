package dev.forwardpass.benchmarks;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * floats in a memory-mapped file (32 times a 32 MiB last-level cache, so nearly all of it comes from memory), with the
 * Vector API, split over 1 or 2 threads. The file is mapped because that is how weights are read: the page cache
 * backs files with huge pages here, while anonymous memory gets them only on request (transparent huge pages set to
 * "madvise", which a JVM arena does not ask for), and 4 KiB pages cost a third of the bandwidth in TLB misses. One
 * operation reads {@value #BYTES} bytes; report.py turns its time into GB/s, the ceiling against which a decode step's
 * weight streaming (a matrix × vector is the same loop with a multiply) is read.
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
    /** Floats of one row: a multiple of 4 vectors of any width, dividing {@link #BYTES}. */
    private static final int ROW_FLOATS = 1024;
    /** The cached vector of the dot product (ones, so the result is the plain sum). */
    private static final FloatVector ONES = FloatVector.broadcast(F, 1f);

    /** How many threads read, each its own contiguous part. */
    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private Path file;
    private MemorySegment data; // (BYTES / 4,) floats, mapped from file
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
    public void setUp() throws IOException {
        file = Files.createTempFile("forwardpass-bandwidth", ".bin");
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 26).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; chunk.hasRemaining(); i++) {
            chunk.putFloat((i & 1023) * 0.001f);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (long written = 0; written < BYTES; written += chunk.capacity()) {
                chunk.rewind();
                while (chunk.hasRemaining()) {
                    channel.write(chunk);
                }
            }
        }
        arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            // a plain native view of the mapping, as the java backend gives its kernels (see SegmentBackend): the
            // JIT compiles vector loads from one class of segment best
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, BYTES, arena);
            data = MemorySegment.ofAddress(mapped.address()).reinterpret(BYTES);
        }
        // one pass brings the file into memory: the measured passes read RAM, not the disk
        sum(data);
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
     * stays in L1, without its arithmetic. Int-indexed Vector API loop per row, as C2 compiles best.
     */
    static float sum(MemorySegment s) {
        long rows = s.byteSize() / ((long) ROW_FLOATS * Float.BYTES);
        float total = 0;
        for (long row = 0; row < rows; row++) {
            total += dotRow(s, row * ROW_FLOATS * Float.BYTES);
        }
        return total;
    }

    private static float dotRow(MemorySegment s, long base) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        int width = F.length() * Float.BYTES;
        int step = F.length() * UNROLL;
        for (int i = 0; i < ROW_FLOATS; i += step) {
            long offset = base + (long) i * Float.BYTES;
            a0 = FloatVector.fromMemorySegment(F, s, offset, ByteOrder.LITTLE_ENDIAN).fma(ONES, a0);
            a1 = FloatVector.fromMemorySegment(F, s, offset + width, ByteOrder.LITTLE_ENDIAN).fma(ONES, a1);
            a2 = FloatVector.fromMemorySegment(F, s, offset + 2L * width, ByteOrder.LITTLE_ENDIAN).fma(ONES, a2);
            a3 = FloatVector.fromMemorySegment(F, s, offset + 3L * width, ByteOrder.LITTLE_ENDIAN).fma(ONES, a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (helpers != null) {
            helpers.shutdownNow();
        }
        if (arena != null) {
            arena.close();
        }
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }
}
