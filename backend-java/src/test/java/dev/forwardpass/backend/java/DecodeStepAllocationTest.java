package dev.forwardpass.backend.java;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.backend.java.kernels.Elements;
import dev.forwardpass.conformance.RandomBlocks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Whether a decode step allocates is a property of the code the JIT made of it, and the type profiles every earlier
 * test in the same JVM left behind shape that code: this test runs in a JVM of its own (the {@code allocation}
 * execution in this module's pom), on the decode path alone.
 */
class DecodeStepAllocationTest {

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
            // rows of more than 256 floats: eight rows at a time (SmallBatchMatmul), F32 as they are, F16 widened
            Tensor wDownHalf = b.upload(randomWeights(arena, random, dim * hidden, DType.F16), Shape.of(dim, hidden), DType.F16);
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
                    b.matmul(xb, wDownHalf, hb);
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
