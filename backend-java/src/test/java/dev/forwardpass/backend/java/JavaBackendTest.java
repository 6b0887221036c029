package dev.forwardpass.backend.java;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.backend.java.kernels.Elements;
import dev.forwardpass.conformance.RandomBlocks;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is particular to the pure-Java backends: discovery, memory ownership, and allocation-free decoding. */
class JavaBackendTest {

    @Test
    void bothBackendsAreFoundByName() {
        try (Backend java = Backends.get("java", BackendOptions.withThreads(2));
             Backend scalar = Backends.get("scalar", BackendOptions.withThreads(4))) {
            assertEquals("java", java.name());
            assertEquals(2, java.threads());
            assertEquals("scalar", scalar.name());
            assertEquals(1, scalar.threads(), "the reference is single-threaded whatever it is asked");
        }
    }

    @Test
    void f32UploadOfNativeMemoryIsAViewAndOfHeapMemoryACopy() {
        try (Backend backend = new JavaBackend(BackendOptions.withThreads(1)); Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = arena.allocate(8); // stands for a slice of a mapped file
            Tensor view = backend.upload(mapped, Shape.of(2), DType.F32);
            Elements.setFloat(mapped, 1, 42f);
            float[] seen = new float[2];
            backend.copyTo(view, seen);
            assertArrayEquals(new float[] {0, 42}, seen, "no copy was made");

            float[] array = {1, 2};
            Tensor copy = backend.upload(MemorySegment.ofArray(array), Shape.of(2), DType.F32);
            array[0] = 99;
            backend.copyTo(copy, seen);
            assertArrayEquals(new float[] {1, 2}, seen, "heap memory is copied into native memory");
        }
    }

    @Test
    void aMappedFileIsViewedAndItsTensorsFailOnceItIsUnmapped(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("weights.bin");
        Files.write(file, new byte[] {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, 0x40}); // 1f, 2f little-endian
        try (Backend backend = new JavaBackend(BackendOptions.withThreads(2))) {
            Tensor view;
            Tensor out = backend.allocate(Shape.of(1));
            Tensor x = backend.allocate(Shape.of(2));
            try (Arena arena = Arena.ofShared(); FileChannel channel = FileChannel.open(file)) {
                MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, 8, arena);
                view = backend.upload(mapped, Shape.of(1, 2), DType.F32);
                float[] seen = new float[2];
                backend.copyTo(view, seen);
                assertArrayEquals(new float[] {1, 2}, seen);
                backend.matmul(out, view, x);
            }
            // the file is unmapped: an op must refuse the tensor rather than read freed memory
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> backend.matmul(out, view, x));
            assertTrue(thrown.getMessage().contains("freed"), thrown.getMessage());
        }
    }

    @Test
    void halfPrecisionVectorsAreWidenedOnceAndMatricesKeptAsTheyAre() {
        try (Backend backend = new JavaBackend(BackendOptions.withThreads(1)); Arena arena = Arena.ofConfined()) {
            MemorySegment halves = arena.allocate(8);
            for (int i = 0; i < 4; i++) {
                halves.setAtIndex(Elements.BITS16, i, Float.floatToFloat16(i + 0.5f));
            }
            assertEquals(DType.F32, backend.upload(halves, Shape.of(4), DType.F16).dtype(), "a norm weight or bias");
            Tensor matrix = backend.upload(halves, Shape.of(2, 2), DType.F16);
            assertEquals(DType.F16, matrix.dtype(), "a matmul weight or an embedding table");
            float[] values = new float[4];
            backend.copyTo(matrix, values);
            assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f, 3.5f}, values);
        }
    }

    @Test
    void theTwoBackendsRefuseEachOthersTensors() {
        try (Backend java = new JavaBackend(BackendOptions.withThreads(1)); Backend scalar = new ScalarBackend()) {
            Tensor theirs = scalar.allocate(Shape.of(4));
            Tensor ours = java.allocate(Shape.of(4));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> java.gelu(ours, theirs));
            assertEquals("gelu: x is a tensor of backend 'scalar'; backend 'java' cannot use it", e.getMessage());
        }
    }

    @Test
    void shapeErrorsNameTheOpAndTheArguments() {
        try (Backend backend = new JavaBackend(BackendOptions.withThreads(1))) {
            Tensor w = backend.allocate(Shape.of(5, 8));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend.matmul(backend.allocate(Shape.of(5)), w, backend.allocate(Shape.of(3, 7))));
            assertEquals("matmul: x must be [n] or [B, n] with the n of w [5, 8], found [3, 7]", e.getMessage());
        }
    }

    @Test
    void closedTensorsAndBackendsCannotBeUsed() {
        Backend backend = new JavaBackend(BackendOptions.withThreads(2));
        Tensor closedEarly = backend.allocate(Shape.of(4));
        closedEarly.close();
        closedEarly.close(); // closing twice is harmless
        assertThrows(IllegalStateException.class, () -> backend.gelu(closedEarly, closedEarly));
        Tensor leftOpen = backend.allocate(Shape.of(4));
        backend.close();
        assertThrows(IllegalStateException.class, () -> backend.copyTo(leftOpen, new float[4]),
                "closing the backend closes its tensors");
        assertThrows(IllegalStateException.class, () -> backend.allocate(Shape.of(4)));
    }

    /**
     * A decode step, as a Llama model runs it, allocates nothing on the calling thread or the worker thread once
     * compiled: no boxing in the argument checks, no lambdas, no buffers, with weights of every dtype (a matrix of
     * each block type besides the model's own). Measured with the JVM's per-thread allocation counter.
     */
    @Test
    void aDecodeStepAllocatesNothing() {
        var threadBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Set<Long> earlierThreads = javaWorkerThreads();
        int dim = 256;
        int hidden = 512;
        int vocab = 300;
        int seqLen = 32;
        AttentionShape heads = new AttentionShape(8, 4, 32);
        Rope rope = Rope.of(heads.headSize(), 10000f, RopeLayout.INTERLEAVED);
        try (Backend b = new JavaBackend(BackendOptions.withThreads(2)); Arena arena = Arena.ofShared()) {
            SplittableRandom random = new SplittableRandom(1);
            long[] threads = LongStream.concat(LongStream.of(Thread.currentThread().threadId()),
                    javaWorkerThreads().stream().filter(id -> !earlierThreads.contains(id)).mapToLong(id -> id)).toArray();
            assertEquals(2, threads.length, "the caller and one worker");
            Tensor embeddingTable = b.upload(randomWeights(arena, random, vocab * dim, DType.F16), Shape.of(vocab, dim), DType.F16);
            Tensor quantizedTable = b.upload(randomWeights(arena, random, vocab * dim, DType.Q4_K), Shape.of(vocab, dim), DType.Q4_K);
            List<Tensor> blockWeights = new ArrayList<>(); // (dim, dim) each
            for (DType type : DType.values()) {
                if (type.isQuantized()) {
                    blockWeights.add(b.upload(randomWeights(arena, random, dim * dim, type), Shape.of(dim, dim), type));
                }
            }
            Tensor norm = b.upload(randomWeights(arena, random, dim, DType.F32), Shape.of(dim), DType.F32);
            Tensor wq = b.upload(randomWeights(arena, random, dim * dim, DType.F32), Shape.of(dim, dim), DType.F32);
            Tensor wk = b.upload(randomWeights(arena, random, heads.kvDim() * dim, DType.BF16), Shape.of(heads.kvDim(), dim), DType.BF16);
            Tensor wUp = b.upload(randomWeights(arena, random, hidden * dim, DType.F16), Shape.of(hidden, dim), DType.F16);
            Tensor wDown = b.upload(randomWeights(arena, random, dim * hidden, DType.F32), Shape.of(dim, hidden), DType.F32);
            Tensor x = b.allocate(Shape.of(dim));
            Tensor xb = b.allocate(Shape.of(dim));
            Tensor q = b.allocate(Shape.of(dim));
            Tensor k = b.allocate(Shape.of(heads.kvDim()));
            Tensor hb = b.allocate(Shape.of(hidden));
            Tensor keys = b.allocate(Shape.of(seqLen, heads.kvDim()));
            Tensor logits = b.allocate(Shape.of(vocab));
            Tensor classifier = b.allocate(Shape.of(vocab, dim));
            int[] token = {7};
            float[] logitsOut = new float[vocab];
            Runnable decodeSequence = () -> {
                for (int pos = 0; pos < seqLen; pos++) {
                    b.embedding(x, embeddingTable, token);
                    b.embedding(xb, quantizedTable, token);
                    for (Tensor w : blockWeights) {
                        b.matmul(q, w, xb);
                    }
                    b.rmsNorm(xb, x, norm, 1e-5f);
                    b.matmul(q, wq, xb);
                    b.matmul(k, wk, xb);
                    b.rope(q, pos, rope);
                    b.rope(k, pos, rope);
                    b.copyRows(keys, pos, k, 0, 1);
                    b.attention(xb, q, keys, keys, pos, heads);
                    b.add(x, x, xb);
                    b.matmul(hb, wUp, x);
                    b.swiglu(hb, hb, hb);
                    b.gelu(hb, hb);
                    b.matmul(xb, wDown, hb);
                    b.matmul(logits, classifier, x);
                    b.copyTo(logits, logitsOut);
                    token[0] = (token[0] + pos) % vocab; // another row of the table each step
                }
            };
            // The JIT compiles in the background, and until it has, vectors live on the heap. So: run until one
            // round allocates nothing, within a bound that the compiled code reaches in a fraction of it.
            long allocated = -1;
            for (int round = 0; round < 200 && allocated != 0; round++) {
                long before = allocatedBytes(threadBean, threads);
                for (int i = 0; i < 10; i++) {
                    decodeSequence.run();
                }
                allocated = allocatedBytes(threadBean, threads) - before;
            }
            assertEquals(0, allocated, "bytes allocated by 10 x " + seqLen + " decode steps after warm-up");
        }
    }

    /** {@return the ids of the live worker threads of java backends} */
    private static Set<Long> javaWorkerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("forwardpass-java-"))
                .map(Thread::threadId).collect(Collectors.toSet());
    }

    /** {@return the bytes the threads allocated so far}, read without allocating */
    private static long allocatedBytes(com.sun.management.ThreadMXBean threadBean, long[] threads) {
        long total = 0;
        for (long id : threads) {
            total += threadBean.getThreadAllocatedBytes(id);
        }
        return total;
    }

    private static MemorySegment randomWeights(Arena arena, SplittableRandom random, int n, DType type) {
        if (type.isQuantized()) {
            MemorySegment blocks = RandomBlocks.of(type, n, random.nextLong());
            return arena.allocate(blocks.byteSize(), 64).copyFrom(blocks);
        }
        MemorySegment segment = arena.allocate(type.byteSize(n), 64);
        for (int i = 0; i < n; i++) {
            float v = (float) (random.nextDouble() * 2 - 1) * 0.1f;
            switch (type) {
                case F32 -> Elements.setFloat(segment, i, v);
                case F16 -> segment.setAtIndex(Elements.BITS16, i, Float.floatToFloat16(v));
                case BF16 -> segment.setAtIndex(Elements.BITS16, i, (short) (Float.floatToRawIntBits(v) >>> 16));
            }
        }
        return segment;
    }
}
