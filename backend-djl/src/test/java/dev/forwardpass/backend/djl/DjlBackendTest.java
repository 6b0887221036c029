package dev.forwardpass.backend.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.pytorch.jni.JniUtils;
import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Each op of {@link DjlBackend} against hand-computed values and against {@link Reference} on odd sizes. */
class DjlBackendTest {
    private static final float ATOL = 1e-5f;
    private static final float RTOL = 1e-4f;

    private static Backend backend;

    @BeforeAll
    static void createBackend() {
        backend = new DjlBackendProvider().create(BackendOptions.withThreads(2));
    }

    @AfterAll
    static void closeBackend() {
        backend.close();
    }

    // ------------------------------------------------------------------------------------------------------------
    // memory

    @Test
    void allocateIsZeroFilledF32() {
        try (Tensor t = backend.allocate(Shape.of(3, 5))) {
            assertEquals(Shape.of(3, 5), t.shape());
            assertEquals(DType.F32, t.dtype());
            assertEquals("djl", t.backendName());
            assertArrayEquals(new float[15], read(t));
        }
    }

    @Test
    void uploadF32RoundTrips() {
        float[] values = random(new Random(1), 7 * 3);
        try (Tensor t = upload(values, 7, 3)) {
            assertArrayEquals(values, read(t));
        }
    }

    @Test
    void uploadWidensF16AndBf16Exactly() {
        float[] values = {1.5f, -2.25f, 0f, 65504f, 6.1035156e-5f, -0.1f};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f16 = arena.allocate(values.length * 2L);
            MemorySegment bf16 = arena.allocate(values.length * 2L);
            float[] expectedF16 = new float[values.length];
            float[] expectedBf16 = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                short half = Float.floatToFloat16(values[i]);
                short brain = (short) (Float.floatToRawIntBits(values[i]) >>> 16);
                f16.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, half);
                bf16.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, brain);
                expectedF16[i] = Float.float16ToFloat(half);
                expectedBf16[i] = Float.intBitsToFloat(brain << 16);
            }
            try (Tensor h = backend.upload(f16, Shape.of(2, 3), DType.F16);
                    Tensor b = backend.upload(bf16, Shape.of(2, 3), DType.BF16)) {
                assertArrayEquals(expectedF16, read(h));
                assertArrayEquals(expectedBf16, read(b));
                assertEquals(DType.F32, h.dtype());
            }
        }
    }

    @Test
    void uploadOfMoreThanOneGibibyteIsCopiedInChunks() {
        // [16385, 16384] F16 widens to 1 GiB + 64 KiB of floats: more than one ByteBuffer view; the last row is in the
        // second chunk
        int rows = (1 << 14) + 1;
        int columns = 1 << 14;
        ValueLayout.OfShort f16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        try (Arena arena = Arena.ofConfined()) {
            // element (r, c) = (r + c) % 7: row r is a window of one long pattern, copied in bulk
            MemorySegment pattern = arena.allocate((columns + 7) * 2L);
            for (int i = 0; i < columns + 7; i++) {
                pattern.setAtIndex(f16, i, Float.floatToFloat16(i % 7));
            }
            MemorySegment data = arena.allocate((long) rows * columns * 2);
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(pattern, (r % 7) * 2L, data, (long) r * columns * 2, columns * 2L);
            }
            try (Tensor table = backend.upload(data, Shape.of(rows, columns), DType.F16);
                    Tensor row = backend.allocate(Shape.of(columns))) {
                for (int r : new int[] {0, rows - 2, rows - 1}) {
                    backend.embedding(row, table, new int[] {r});
                    float[] values = read(row);
                    for (int c = 0; c < columns; c++) {
                        assertEquals((r + c) % 7, values[c], "row " + r + " column " + c);
                    }
                }
            }
        }
    }

    @Test
    void tensorsMayBeClosedAfterTheirBackend() {
        Backend other = new DjlBackendProvider().create(BackendOptions.withThreads(1));
        Tensor t = other.allocate(Shape.of(3));
        other.close();
        t.close();
        other.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> other.allocate(Shape.of(3)));
    }

    @Test
    void uploadRejectsWrongByteSize() {
        MemorySegment data = MemorySegment.ofArray(new float[5]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.upload(data, Shape.of(2, 3), DType.F32));
        assertTrue(e.getMessage().contains("24 bytes"), e.getMessage());
    }

    @Test
    void copyToRejectsWrongLength() {
        try (Tensor t = backend.allocate(Shape.of(4))) {
            assertThrows(IllegalArgumentException.class, () -> backend.copyTo(t, new float[3]));
        }
    }

    @Test
    void copyRowsWritesKvCacheRowsInPlace() {
        try (Tensor cache = backend.allocate(Shape.of(4, 3));
                Tensor row = upload(new float[] {1, 2, 3}, 3);
                Tensor rows = upload(new float[] {4, 5, 6, 7, 8, 9}, 2, 3)) {
            backend.copyRows(cache, 1, row, 0, 1);
            backend.copyRows(cache, 2, rows, 0, 2);
            assertArrayEquals(new float[] {0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, read(cache));
            assertThrows(IllegalArgumentException.class, () -> backend.copyRows(cache, 3, rows, 0, 2));
        }
    }

    @Test
    void foreignTensorIsRejectedNamingBothBackends() {
        Tensor foreign = new Tensor() {
            @Override
            public Shape shape() {
                return Shape.of(2);
            }

            @Override
            public DType dtype() {
                return DType.F32;
            }

            @Override
            public String backendName() {
                return "scalar";
            }

            @Override
            public void close() {}
        };
        try (Tensor out = backend.allocate(Shape.of(2))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend.gelu(out, foreign));
            assertTrue(e.getMessage().contains("'scalar'") && e.getMessage().contains("'djl'"), e.getMessage());
        }
    }

    @Test
    void tensorOfAnotherDjlBackendIsRejected() {
        try (Backend other = new DjlBackendProvider().create(BackendOptions.withThreads(2));
                Tensor theirs = other.allocate(Shape.of(2));
                Tensor ours = backend.allocate(Shape.of(2))) {
            assertThrows(IllegalArgumentException.class, () -> backend.gelu(ours, theirs));
        }
    }

    @Test
    void closedTensorIsRejected() {
        Tensor t = backend.allocate(Shape.of(2));
        t.close();
        assertThrows(IllegalStateException.class, () -> backend.copyTo(t, new float[2]));
    }

    // ------------------------------------------------------------------------------------------------------------
    // ops, hand-computed

    @Test
    void embeddingGathersRowsAndDoesNotAliasTheTable() {
        float[] table = {0, 1, 10, 11, 20, 21};
        try (Tensor t = upload(table, 3, 2);
                Tensor one = backend.allocate(Shape.of(2));
                Tensor oneRow = backend.allocate(Shape.of(1, 2));
                Tensor batch = backend.allocate(Shape.of(3, 2))) {
            backend.embedding(one, t, new int[] {2});
            assertArrayEquals(new float[] {20, 21}, read(one));
            backend.add(one, one, one); // in place on the gathered row, never on the table
            assertArrayEquals(table, read(t));
            backend.embedding(oneRow, t, new int[] {1});
            assertArrayEquals(new float[] {10, 11}, read(oneRow));
            backend.add(oneRow, oneRow, oneRow);
            assertArrayEquals(table, read(t));
            backend.embedding(batch, t, new int[] {1, 0, 1});
            assertArrayEquals(new float[] {10, 11, 0, 1, 10, 11}, read(batch));
            assertThrows(IllegalArgumentException.class, () -> backend.embedding(one, t, new int[] {3}));
            assertThrows(IllegalArgumentException.class, () -> backend.embedding(batch, t, new int[] {0}));
        }
    }

    @Test
    void matmulHandComputed() {
        // w (2, 3), x (3): [1 2 3; 4 5 6] · [1 0 -1] = [-2, -2]; + bias [10, 20]
        try (Tensor w = upload(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
                Tensor x = upload(new float[] {1, 0, -1}, 3);
                Tensor bias = upload(new float[] {10, 20}, 2);
                Tensor out = backend.allocate(Shape.of(2));
                Tensor xs = upload(new float[] {1, 0, -1, 0, 1, 0}, 2, 3);
                Tensor outs = backend.allocate(Shape.of(2, 2))) {
            backend.matmul(out, w, x);
            assertArrayEquals(new float[] {-2, -2}, read(out));
            backend.matmul(out, w, x, bias);
            assertArrayEquals(new float[] {8, 18}, read(out));
            backend.matmul(outs, w, xs, bias);
            assertArrayEquals(new float[] {8, 18, 12, 25}, read(outs));
            assertThrows(IllegalArgumentException.class, () -> backend.matmul(x, w, x));
            assertThrows(IllegalArgumentException.class, () -> backend.matmul(outs, w, x));
        }
    }

    @Test
    void swigluAndGeluHandComputed() {
        try (Tensor x = upload(new float[] {1, 2, 3, 0, 0, 0}, 2, 3);
                Tensor ones = upload(ones(6), 2, 3);
                Tensor out = backend.allocate(Shape.of(2, 3))) {
            backend.swiglu(out, x, ones); // silu(x)
            assertClose(new float[] {0.7310586f, 1.7615942f, 2.8577223f, 0, 0, 0}, read(out), "silu");
            backend.gelu(out, x);
            assertClose(new float[] {0.8411920f, 1.9545977f, 2.9963627f, 0, 0, 0}, read(out), "gelu");
        }
    }

    @Test
    void addWithRowBroadcastAndInPlace() {
        try (Tensor a = upload(new float[] {1, 2, 3, 4}, 2, 2);
                Tensor row = upload(new float[] {10, 20}, 2);
                Tensor out = backend.allocate(Shape.of(2, 2))) {
            backend.add(out, a, row);
            assertArrayEquals(new float[] {11, 22, 13, 24}, read(out));
            backend.add(a, a, out);
            assertArrayEquals(new float[] {12, 24, 16, 28}, read(a));
            backend.add(out, a, a);
            assertArrayEquals(new float[] {24, 48, 32, 56}, read(out));
            backend.add(a, out, a);
            assertArrayEquals(new float[] {36, 72, 48, 84}, read(a));
            assertThrows(IllegalArgumentException.class, () -> backend.add(row, a, row));
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // ops against Reference, odd sizes

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 17, 65, 257})
    void matmulMatchesReference(int n) {
        Random random = new Random(n);
        int d = n + 3;
        float[] w = random(random, d * n);
        float[] bias = random(random, d);
        for (int rows : new int[] {1, 5}) {
            float[] x = random(random, rows * n);
            try (Tensor wt = upload(w, d, n);
                    Tensor bt = upload(bias, d);
                    Tensor xt = rows == 1 ? upload(x, n) : upload(x, rows, n);
                    Tensor out = backend.allocate(rows == 1 ? Shape.of(d) : Shape.of(rows, d))) {
                backend.matmul(out, wt, xt, bt);
                assertClose(Reference.matmul(w, x, bias, rows, d, n), read(out), "matmul n=" + n + " rows=" + rows);
                backend.matmul(out, wt, xt);
                assertClose(Reference.matmul(w, x, null, rows, d, n), read(out), "matmul n=" + n);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 17, 65, 257})
    void normsAndElementwiseMatchReference(int n) {
        Random random = new Random(100 + n);
        int rows = 3;
        float[] x = random(random, rows * n);
        float[] y = random(random, rows * n);
        float[] weight = random(random, n);
        float[] bias = random(random, n);
        try (Tensor xt = upload(x, rows, n);
                Tensor yt = upload(y, rows, n);
                Tensor ones = upload(ones(rows * n), rows, n);
                Tensor wt = upload(weight, n);
                Tensor bt = upload(bias, n);
                Tensor out = backend.allocate(Shape.of(rows, n))) {
            backend.rmsNorm(out, xt, wt, 1e-5f);
            assertClose(Reference.rmsNorm(x, weight, 1e-5f, rows, n), read(out), "rmsNorm n=" + n);
            backend.layerNorm(out, xt, wt, bt, 1e-5f);
            assertClose(Reference.layerNorm(x, weight, bias, 1e-5f, rows, n), read(out), "layerNorm n=" + n);
            float[] silu = new float[x.length];
            float[] gelu = new float[x.length];
            float[] swiglu = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                silu[i] = Reference.silu(x[i]);
                gelu[i] = Reference.gelu(x[i]);
                swiglu[i] = Reference.silu(x[i]) * y[i];
            }
            backend.swiglu(out, xt, ones);
            assertClose(silu, read(out), "silu n=" + n);
            backend.gelu(out, xt);
            assertClose(gelu, read(out), "gelu n=" + n);
            backend.swiglu(out, xt, yt);
            assertClose(swiglu, read(out), "swiglu n=" + n);
            // in place (out == x) for a row-wise op
            backend.rmsNorm(xt, xt, wt, 1e-5f);
            assertClose(Reference.rmsNorm(x, weight, 1e-5f, rows, n), read(xt), "rmsNorm in place n=" + n);
        }
    }

    @ParameterizedTest
    @EnumSource(RopeLayout.class)
    void ropeMatchesReferenceForVectorAndBatch(RopeLayout layout) {
        Random random = new Random(7);
        Rope rope = Rope.of(8, 10000f, layout);
        int dim = 3 * 8;
        for (int pos : new int[] {0, 1, 63, 200}) {
            for (int rows : new int[] {1, 4}) {
                float[] x = random(random, rows * dim);
                try (Tensor t = rows == 1 ? upload(x, dim) : upload(x, rows, dim)) {
                    backend.rope(t, pos, rope);
                    assertClose(Reference.rope(x, pos, rope, rows, dim), read(t),
                            "rope " + layout + " pos=" + pos + " rows=" + rows);
                }
            }
        }
    }

    @Test
    void ropeHandComputedInterleaved() {
        // one head of size 2: a rotation of (1, 0) by angle pos * 1
        Rope rope = Rope.ofInverseFrequencies(new float[] {1f}, RopeLayout.INTERLEAVED);
        try (Tensor t = upload(new float[] {1, 0}, 2)) {
            backend.rope(t, 1, rope);
            assertClose(new float[] {(float) Math.cos(1), (float) Math.sin(1)}, read(t), "rope");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void attentionMatchesReference(int kvMul) {
        Random random = new Random(kvMul);
        AttentionShape heads = new AttentionShape(4, 4 / kvMul, 8);
        int seqLen = 16;
        float[] keys = random(random, seqLen * heads.kvDim());
        float[] values = random(random, seqLen * heads.kvDim());
        try (Tensor kt = upload(keys, seqLen, heads.kvDim()); Tensor vt = upload(values, seqLen, heads.kvDim())) {
            for (int[] posRows : new int[][] {{0, 1}, {5, 1}, {15, 1}, {0, 6}, {3, 5}, {11, 5}}) {
                int pos = posRows[0];
                int rows = posRows[1];
                float[] q = random(random, rows * heads.queryDim());
                Shape shape = rows == 1 ? Shape.of(heads.queryDim()) : Shape.of(rows, heads.queryDim());
                try (Tensor qt = upload(q, shape); Tensor out = backend.allocate(shape)) {
                    backend.attention(out, qt, kt, vt, pos, heads);
                    assertClose(Reference.attention(q, keys, values, pos, rows, heads), read(out),
                            "attention kvMul=" + kvMul + " pos=" + pos + " rows=" + rows);
                }
            }
            try (Tensor q = backend.allocate(Shape.of(2, heads.queryDim()));
                    Tensor out = backend.allocate(Shape.of(2, heads.queryDim()))) {
                assertThrows(IllegalArgumentException.class, () -> backend.attention(out, q, kt, vt, 15, heads));
                assertThrows(IllegalArgumentException.class, () -> backend.attention(q, q, kt, vt, 0, heads));
            }
        }
    }

    @Test
    void eachBackendComputesWithItsOwnThreadCount() {
        try (Backend one = new DjlBackendProvider().create(BackendOptions.withThreads(1));
                Tensor x = one.allocate(Shape.of(4));
                Tensor y = backend.allocate(Shape.of(4))) {
            assertEquals(1, one.threads());
            one.gelu(x, x);
            assertEquals(1, JniUtils.getNumThreads(), "PyTorch's intra-op threads on this thread after an op of 'one'");
            backend.gelu(y, y);
            assertEquals(2, JniUtils.getNumThreads(), "and after an op of the two-thread backend");
        }
    }

    @Test
    void callsFromSeveralThreadsAtOnceTakeTurns() throws Exception {
        // every thread at its own positions: RoPE's cached rotation and rows of the last position are backend-wide
        Rope rope = Rope.of(8, 10000f, RopeLayout.INTERLEAVED);
        int dim = 2 * 8;
        int threads = 4;
        CountDownLatch start = new CountDownLatch(threads);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int thread = i;
                done.add(pool.submit(() -> {
                    Random random = new Random(thread);
                    start.countDown();
                    start.await();
                    for (int step = 0; step < 300; step++) {
                        int pos = thread * 300 + step;
                        float[] x = random(random, dim);
                        try (Tensor t = upload(x, dim)) {
                            backend.rope(t, pos, rope);
                            assertClose(Reference.rope(x, pos, rope, 1, dim), read(t), "rope pos=" + pos);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // helpers

    static Tensor upload(float[] values, int... dims) {
        return upload(values, Shape.of(dims));
    }

    static Tensor upload(float[] values, Shape shape) {
        // a heap segment of floats is in native order: little-endian on every platform PyTorch runs on
        return backend.upload(MemorySegment.ofArray(values), shape, DType.F32);
    }

    static float[] read(Tensor t) {
        float[] values = new float[Math.toIntExact(t.shape().size())];
        backend.copyTo(t, values);
        return values;
    }

    static float[] ones(int n) {
        float[] values = new float[n];
        java.util.Arrays.fill(values, 1);
        return values;
    }

    static float[] random(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.length; i++) {
            double excess = Math.abs(expected[i] - actual[i]) - (ATOL + RTOL * Math.abs(expected[i]));
            if (excess > worstExcess || Double.isNaN(actual[i])) {
                worst = i;
                worstExcess = Double.isNaN(actual[i]) ? Double.POSITIVE_INFINITY : excess;
            }
        }
        if (worst >= 0) {
            throw new AssertionError(String.format("%s: index %d expected %s but was %s", what, worst,
                    expected[worst], actual[worst]));
        }
    }
}
