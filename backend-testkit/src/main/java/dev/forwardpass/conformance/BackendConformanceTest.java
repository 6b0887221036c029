package dev.forwardpass.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.api.quant.Dequantizer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The conformance suite every backend passes: each op of {@link Backend}, through the api only, on seeded random
 * inputs of awkward sizes, compared with the reference backend {@code "scalar"} (the plain-loop definition of the
 * ops). A backend's test extends this class and implements {@link #createBackend}; nothing else is needed. The suite
 * asks the backend which weight dtypes to try ({@link Backend#supports}), and checks that bad arguments are rejected
 * with the messages of {@link dev.forwardpass.api.spi.OpChecks}.
 *
 * <p>Sizes cover vector tails ({@link #SIZES}); row-wise ops run as a vector {@code [n]} and as a batch
 * {@code [B, n]}. Weights of a block type ({@link DType#isQuantized()}) are {@link RandomBlocks}, in rows of
 * {@link #BLOCKS_PER_ROW} blocks. A failure message names the op, the case and its seed, and the worst element, e.g.
 * {@code "matmul n=4099 d=13 B=3 F16 bias seed=1234: 2 of 39 elements differ ...; worst at index 17 ..."}.
 *
 * <p>Tolerances ({@link Tolerance}, {@code |a-b| <= atol + rtol*|ref|}) are for float32 arithmetic, which any float32
 * library meets; inputs are uniform in [-1, 1] unless a test says otherwise:
 * <ul>
 *   <li>elementwise, norms, rope, attention: {@link Tolerance#F32} (1e-5 absolute, 1e-4 relative);
 *   <li>matmul: the absolute part grows with sqrt(n): a float32 dot product of n terms of size at most 1 carries a
 *       rounding error that grows like sqrt(n) (a random walk of roundings) and its value does too, so a fixed
 *       absolute tolerance would be unfair at n = 4099 and meaningless at n = 1;
 *   <li>embedding, copies, uploads: exact (no arithmetic; widening F16 and BF16 to F32 is exact).
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformanceTest {
    /** Sizes that hit every vector-tail case for vectors of 4, 8 and 16 floats, and one long odd row. */
    protected static final int[] SIZES = {1, 7, 8, 15, 16, 17, 63, 64, 65, 257, 4099};
    /** Row lengths of a block type, in blocks: one, a few, and a long odd row. */
    protected static final int[] BLOCKS_PER_ROW = {1, 2, 3, 17};

    private Backend backend;
    private Backend reference;

    /** {@return a new backend under test; the suite closes it} */
    protected abstract Backend createBackend(BackendOptions options);

    /** {@return the options of the backend under test in every test but the thread-count one} */
    protected BackendOptions options() {
        return BackendOptions.withThreads(2);
    }

    @BeforeAll
    public void createBackends() {
        backend = createBackend(options());
        reference = Backends.get("scalar", BackendOptions.withThreads(1));
    }

    @AfterAll
    public void closeBackends() {
        if (backend != null) {
            backend.close();
        }
        if (reference != null) {
            reference.close();
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // memory

    @Test
    public void tensorsNameTheirBackend() {
        try (Tensor t = backend.allocate(Shape.of(2, 3))) {
            assertEquals(backend.name(), t.backendName());
            assertEquals(Shape.of(2, 3), t.shape());
            assertEquals(DType.F32, t.dtype());
            float[] zeros = new float[6];
            backend.copyTo(t, zeros);
            Tolerance.EXACT.assertClose(new float[6], zeros, "allocate is zero-filled");
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    public void uploadThenCopyToGivesTheValuesBack(DType type) {
        assumeSupported(type);
        for (int n : sizes(type)) {
            long seed = seed("upload", n, type.ordinal());
            MemorySegment stored = weights(seed, 3 * n, type);
            float[] values = Dequantizer.dequantize(type, stored, 0, 3 * n);
            float[] back = new float[3 * n];
            try (Tensor t = backend.upload(stored, Shape.of(3, n), type)) {
                backend.copyTo(t, back);
            }
            Tolerance.EXACT.assertClose(values, back, "upload " + type + " [3, " + n + "] seed=" + seed);
        }
    }

    @Test
    public void copyRowsFillsTheRowsOfACache() {
        for (int n : SIZES) {
            long seed = seed("copyRows", n, 0);
            float[] batch = random(seed, 3 * n, 1);
            float[] vector = random(seed + 1, n, 1);
            check("copyRows [3, " + n + "] at row 1 and [" + n + "] at row 4, seed=" + seed, Tolerance.EXACT, b -> {
                try (Tensors s = new Tensors(b)) {
                    Tensor cache = s.allocate(5, n);
                    b.copyRows(cache, 1, s.upload(batch, 3, n), 0, 3);
                    b.copyRows(cache, 4, s.upload(vector, n), 0, 1);
                    return s.read(cache);
                }
            });
        }
    }

    @Test
    public void copyRowsTakesRowsOfABatch() {
        for (int n : SIZES) {
            long seed = seed("copyRow", n, 0);
            float[] batch = random(seed, 4 * n, 1);
            check("copyRows 2 and 3 of [4, " + n + "] into [" + n + "] and [1, " + n + "], 1..2 into rows 2..3 of [5, "
                    + n + "], seed=" + seed, Tolerance.EXACT, b -> {
                        try (Tensors s = new Tensors(b)) {
                            Tensor rows = s.upload(batch, 4, n);
                            Tensor vector = s.allocate(n);
                            Tensor single = s.allocate(1, n);
                            Tensor cache = s.allocate(5, n);
                            b.copyRows(vector, 0, rows, 2, 1);
                            b.copyRows(single, 0, rows, 3, 1);
                            b.copyRows(cache, 2, rows, 1, 2);
                            float[] all = new float[7 * n];
                            System.arraycopy(s.read(vector), 0, all, 0, n);
                            System.arraycopy(s.read(single), 0, all, n, n);
                            System.arraycopy(s.read(cache), 0, all, 2 * n, 5 * n);
                            return all;
                        }
                    });
        }
    }

    @Test
    public void copyRowsRejectsRowsOutsideEitherTensor() {
        try (Tensors s = new Tensors(backend)) {
            Tensor rows = s.allocate(3, 5);
            Tensor out = s.allocate(5);
            Tensor tooShort = s.allocate(4);
            Tensor cache = s.allocate(4, 5);
            assertThrows(IllegalArgumentException.class, () -> backend.copyRows(out, 0, rows, 3, 1));
            assertThrows(IllegalArgumentException.class, () -> backend.copyRows(out, 0, rows, -1, 1));
            assertThrows(IllegalArgumentException.class, () -> backend.copyRows(tooShort, 0, rows, 0, 1));
            assertThrows(IllegalArgumentException.class, () -> backend.copyRows(out, 0, rows, 0, 2), "2 rows into [5]");
            assertThrows(IllegalArgumentException.class, () -> backend.copyRows(cache, 2, rows, 0, 3), "past the cache");
            assertThrows(IllegalArgumentException.class, () -> backend.copyRows(cache, -1, rows, 0, 1));
            assertThrows(IllegalArgumentException.class, () -> backend.copyRows(cache, 0, rows, 0, 0), "no rows");
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // ops

    @ParameterizedTest
    @EnumSource(DType.class)
    public void embedding(DType tableType) {
        assumeSupported(tableType);
        int vocab = 11;
        for (int dim : sizes(tableType)) {
            long seed = seed("embedding", dim, tableType.ordinal());
            MemorySegment table = weights(seed, vocab * dim, tableType);
            for (int[] tokens : new int[][] {{7}, {3, 10, 0, 3}}) {
                String what = "embedding dim=" + dim + " B=" + tokens.length + " " + tableType + " seed=" + seed;
                check(what, Tolerance.EXACT, b -> {
                    try (Tensors s = new Tensors(b)) {
                        Tensor t = s.track(b.upload(table, Shape.of(vocab, dim), tableType));
                        Tensor out = tokens.length == 1 ? s.allocate(dim) : s.allocate(tokens.length, dim);
                        b.embedding(out, t, tokens);
                        return s.read(out);
                    }
                });
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    public void matmul(DType wType) {
        assumeSupported(wType);
        int d = 13; // two tiles of six rows and one row left over, for backends that tile
        for (int n : sizes(wType)) {
            long seed = seed("matmul", n, wType.ordinal());
            MemorySegment w = weights(seed, d * n, wType);
            float[] bias = random(seed + 1, d, 1);
            Tolerance tolerance = Tolerance.F32.scaleAtol(Math.sqrt(n));
            // 0: the vector form [n]; a few rows; batches that fill vectors of rows (a prefill), in part or whole
            for (int batch : new int[] {0, 1, 3, 6, 21, 70}) {
                float[] x = random(seed + 2 + batch, Math.max(batch, 1) * n, 1);
                boolean withBias = batch % 2 == 1;
                String what = "matmul n=" + n + " d=" + d + " B=" + (batch == 0 ? "vector" : batch) + " " + wType
                        + (withBias ? " bias" : "") + " seed=" + seed;
                check(what, tolerance, b -> {
                    try (Tensors s = new Tensors(b)) {
                        Tensor wt = s.track(b.upload(w, Shape.of(d, n), wType));
                        Tensor xt = batch == 0 ? s.upload(x, n) : s.upload(x, batch, n);
                        Tensor out = batch == 0 ? s.allocate(d) : s.allocate(batch, d);
                        b.matmul(out, wt, xt, withBias ? s.upload(bias, d) : null);
                        return s.read(out);
                    }
                });
            }
        }
    }

    @Test
    public void rmsNorm() {
        for (int n : SIZES) {
            for (int rows : new int[] {0, 3}) {
                long seed = seed("rmsNorm", n, rows);
                float[] x = random(seed, Math.max(rows, 1) * n, 1);
                float[] weight = random(seed + 1, n, 1);
                check("rmsNorm " + shape(rows, n) + " seed=" + seed, Tolerance.F32, b -> {
                    try (Tensors s = new Tensors(b)) {
                        Tensor out = s.allocate(dims(rows, n));
                        b.rmsNorm(out, s.upload(x, dims(rows, n)), s.upload(weight, n), 1e-5f);
                        return s.read(out);
                    }
                });
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    public void rmsNormWithAHalfPrecisionWeight(DType weightType) {
        assumeSupported(weightType);
        for (int n : SIZES) {
            long seed = seed("rmsNorm half weight", n, weightType.ordinal());
            float[] x = random(seed, 3 * n, 1);
            MemorySegment weight = encode(random(seed + 1, n, 1), weightType);
            check("rmsNorm [3, " + n + "] " + weightType + " weight seed=" + seed, Tolerance.F32, b -> {
                try (Tensors s = new Tensors(b)) {
                    Tensor out = s.allocate(3, n);
                    b.rmsNorm(out, s.upload(x, 3, n), s.track(b.upload(weight, Shape.of(n), weightType)), 1e-5f);
                    return s.read(out);
                }
            });
        }
    }

    @Test
    public void layerNorm() {
        for (int n : SIZES) {
            for (int rows : new int[] {0, 3}) {
                long seed = seed("layerNorm", n, rows);
                float[] x = random(seed, Math.max(rows, 1) * n, 1);
                for (int i = 0; i < x.length; i++) {
                    x[i] += 3; // a mean well away from zero, which a one-pass variance would get wrong
                }
                float[] weight = random(seed + 1, n, 1);
                float[] bias = random(seed + 2, n, 1);
                check("layerNorm " + shape(rows, n) + " seed=" + seed, Tolerance.F32, b -> {
                    try (Tensors s = new Tensors(b)) {
                        Tensor out = s.allocate(dims(rows, n));
                        b.layerNorm(out, s.upload(x, dims(rows, n)), s.upload(weight, n), s.upload(bias, n), 1e-5f);
                        return s.read(out);
                    }
                });
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RopeLayout.class)
    public void rope(RopeLayout layout) {
        for (int headSize : new int[] {2, 8, 18, 64, 130}) {
            Rope rope = Rope.of(headSize, 10000f, layout);
            for (int nHeads : new int[] {1, 3}) {
                int width = nHeads * headSize;
                for (int pos : new int[] {0, 1, 17, 4099, 100_000}) {
                    for (int rows : new int[] {0, 3}) {
                        long seed = seed("rope", width, pos + rows);
                        float[] x = random(seed, Math.max(rows, 1) * width, 1);
                        String what = "rope " + layout + " headSize=" + headSize + " x" + shape(rows, width) + " pos="
                                + pos + " seed=" + seed;
                        check(what, Tolerance.F32, b -> {
                            try (Tensors s = new Tensors(b)) {
                                Tensor xt = s.upload(x, dims(rows, width));
                                b.rope(xt, pos, rope);
                                return s.read(xt);
                            }
                        });
                    }
                }
            }
        }
    }

    @Test
    public void attention() {
        AttentionShape[] shapes = {
            new AttentionShape(1, 1, 1), new AttentionShape(4, 4, 7), new AttentionShape(4, 2, 16),
            new AttentionShape(8, 2, 17), new AttentionShape(6, 3, 64), new AttentionShape(2, 1, 65),
            new AttentionShape(8, 4, 8),
        };
        for (AttentionShape heads : shapes) {
            for (int pos : new int[] {0, 1, 33}) {
                // 37 rows: a prompt chunk, two blocks of 16 and the rest for a kernel that takes rows a block at a time
                for (int rows : new int[] {0, 3, 37}) {
                    int queries = Math.max(rows, 1);
                    int seqLen = pos + queries + 5;
                    long seed = seed("attention", heads.hashCode(), pos * 7 + rows);
                    float[] q = random(seed, queries * heads.queryDim(), 1);
                    float[] keys = random(seed + 1, seqLen * heads.kvDim(), 1);
                    float[] values = random(seed + 2, seqLen * heads.kvDim(), 1);
                    // rows past the last position must not be read: fill them with values that would show
                    for (int i = (pos + queries) * heads.kvDim(); i < keys.length; i++) {
                        keys[i] = 1000;
                        values[i] = 1000;
                    }
                    String what = "attention " + heads + " q" + shape(rows, heads.queryDim()) + " pos=" + pos
                            + " seed=" + seed;
                    check(what, Tolerance.F32, b -> {
                        try (Tensors s = new Tensors(b)) {
                            Tensor out = s.allocate(dims(rows, heads.queryDim()));
                            b.attention(out, s.upload(q, dims(rows, heads.queryDim())),
                                    s.upload(keys, seqLen, heads.kvDim()), s.upload(values, seqLen, heads.kvDim()),
                                    pos, heads);
                            return s.read(out);
                        }
                    });
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RopeLayout.class)
    public void ropeOfRowsAtPositionsOfTheirOwn(RopeLayout layout) {
        for (int headSize : new int[] {2, 8, 18, 64, 130}) {
            Rope rope = Rope.of(headSize, 10000f, layout);
            for (int nHeads : new int[] {1, 3}) {
                int width = nHeads * headSize;
                // 0: the vector form, one row; then batches of rows at random positions, the last far out
                for (int rows : new int[] {0, 1, 3, 7}) {
                    long seed = seed("rope positions", width, rows);
                    int[] positions = new SplittableRandom(seed).ints(Math.max(rows, 1), 0, 5000).toArray();
                    positions[positions.length - 1] = rows == 7 ? 100_000 : positions[positions.length - 1];
                    float[] x = random(seed + 1, positions.length * width, 1);
                    String what = "rope " + layout + " headSize=" + headSize + " x" + shape(rows, width)
                            + " positions=" + Arrays.toString(positions) + " seed=" + seed;
                    check(what, Tolerance.F32, b -> {
                        try (Tensors s = new Tensors(b)) {
                            Tensor xt = s.upload(x, dims(rows, width));
                            b.rope(xt, positions, rope);
                            return s.read(xt);
                        }
                    });
                }
            }
            // consecutive positions give what one start position gives, to the bit
            int width = 3 * headSize;
            float[] x = random(seed("rope consecutive", headSize, 0), 4 * width, 1);
            try (Tensors s = new Tensors(backend)) {
                Tensor fromStart = s.upload(x, 4, width);
                Tensor perRow = s.upload(x, 4, width);
                backend.rope(fromStart, 17, rope);
                backend.rope(perRow, new int[] {17, 18, 19, 20}, rope);
                Tolerance.EXACT.assertClose(s.read(fromStart), s.read(perRow),
                        "rope " + layout + " headSize=" + headSize + " at positions 17..20 vs from 17");
            }
        }
    }

    @Test
    public void attentionOverACachePerRow() {
        AttentionShape[] shapes = {
            new AttentionShape(1, 1, 1), new AttentionShape(4, 4, 7), new AttentionShape(4, 2, 16),
            new AttentionShape(8, 2, 17), new AttentionShape(6, 3, 64), new AttentionShape(2, 1, 65),
        };
        for (AttentionShape heads : shapes) {
            // 0: the vector form, one row; then batches of rows, each over a cache of its own length
            for (int rows : new int[] {0, 1, 3, 5}) {
                int queries = Math.max(rows, 1);
                long seed = seed("attention per row", heads.hashCode(), rows);
                SplittableRandom random = new SplittableRandom(seed);
                int[] positions = random.ints(queries, 0, 70).toArray();
                positions[0] = rows == 5 ? 0 : positions[0]; // a first position, which sees itself alone
                int[] seqLens = new int[queries];
                float[][] keys = new float[queries][];
                float[][] values = new float[queries][];
                for (int r = 0; r < queries; r++) {
                    seqLens[r] = positions[r] + 1 + random.nextInt(6);
                    keys[r] = random(seed + 1 + 2L * r, seqLens[r] * heads.kvDim(), 1);
                    values[r] = random(seed + 2 + 2L * r, seqLens[r] * heads.kvDim(), 1);
                    // rows past the row's position must not be read: fill them with values that would show
                    for (int i = (positions[r] + 1) * heads.kvDim(); i < keys[r].length; i++) {
                        keys[r][i] = 1000;
                        values[r][i] = 1000;
                    }
                }
                float[] q = random(seed + 3, queries * heads.queryDim(), 1);
                String what = "attention " + heads + " q" + shape(rows, heads.queryDim()) + " positions="
                        + Arrays.toString(positions) + " caches of " + Arrays.toString(seqLens)
                        + " rows, seed=" + seed;
                check(what, Tolerance.F32, b -> {
                    try (Tensors s = new Tensors(b)) {
                        Tensor[] kt = new Tensor[queries];
                        Tensor[] vt = new Tensor[queries];
                        for (int r = 0; r < queries; r++) {
                            kt[r] = s.upload(keys[r], seqLens[r], heads.kvDim());
                            vt[r] = s.upload(values[r], seqLens[r], heads.kvDim());
                        }
                        Tensor out = s.allocate(dims(rows, heads.queryDim()));
                        b.attention(out, s.upload(q, dims(rows, heads.queryDim())), kt, vt, positions, heads);
                        return s.read(out);
                    }
                });
            }
            // one cache for every row, at consecutive positions: the attention of a prompt chunk over that cache
            int pos = 9;
            long seed = seed("attention per row, one cache", heads.hashCode(), 0);
            float[] q = random(seed, 3 * heads.queryDim(), 1);
            float[] cache = random(seed + 1, (pos + 3) * heads.kvDim(), 1);
            try (Tensors s = new Tensors(backend)) {
                Tensor qt = s.upload(q, 3, heads.queryDim());
                Tensor kv = s.upload(cache, pos + 3, heads.kvDim());
                Tensor chunk = s.allocate(3, heads.queryDim());
                Tensor perRow = s.allocate(3, heads.queryDim());
                backend.attention(chunk, qt, kv, kv, pos, heads);
                backend.attention(perRow, qt, new Tensor[] {kv, kv, kv}, new Tensor[] {kv, kv, kv},
                        new int[] {pos, pos + 1, pos + 2}, heads);
                Tolerance.F32.assertClose(s.read(chunk), s.read(perRow),
                        "attention " + heads + " of 3 rows over one cache at " + pos + ".." + (pos + 2)
                                + ", per row vs as a chunk, seed=" + seed);
            }
        }
    }

    @Test
    public void gelu() {
        for (int n : SIZES) {
            long seed = seed("gelu", n, 0);
            float[] x = withExtremes(random(seed, n, 8));
            checkUnary("gelu [" + n + "] seed=" + seed, x, Backend::gelu);
        }
    }

    @Test
    public void swiglu() {
        for (int n : SIZES) {
            long seed = seed("swiglu", n, 0);
            float[] gate = random(seed, 2 * n, 8);
            float[] up = random(seed + 1, 2 * n, 1);
            check("swiglu [2, " + n + "] seed=" + seed, Tolerance.F32, b -> {
                try (Tensors s = new Tensors(b)) {
                    Tensor out = s.allocate(2, n);
                    b.swiglu(out, s.upload(gate, 2, n), s.upload(up, 2, n));
                    return s.read(out);
                }
            });
        }
    }

    @Test
    public void add() {
        for (int n : SIZES) {
            long seed = seed("add", n, 0);
            float[] a = random(seed, 3 * n, 1);
            float[] sameShape = random(seed + 1, 3 * n, 1);
            float[] oneRow = random(seed + 2, n, 1);
            check("add [3, " + n + "] + [3, " + n + "] seed=" + seed, Tolerance.F32, b -> {
                try (Tensors s = new Tensors(b)) {
                    Tensor out = s.allocate(3, n);
                    b.add(out, s.upload(a, 3, n), s.upload(sameShape, 3, n));
                    return s.read(out);
                }
            });
            check("add [3, " + n + "] + one row [" + n + "] seed=" + seed, Tolerance.F32, b -> {
                try (Tensors s = new Tensors(b)) {
                    Tensor out = s.allocate(3, n);
                    b.add(out, s.upload(a, 3, n), s.upload(oneRow, n));
                    return s.read(out);
                }
            });
        }
    }

    @Test
    public void opsMayWriteIntoTheirInput() {
        for (int n : SIZES) {
            long seed = seed("in place", n, 0);
            float[] x = random(seed, 2 * n, 4);
            float[] y = random(seed + 1, 2 * n, 1);
            float[] weight = random(seed + 2, n, 1);
            check("in place: rmsNorm(x, x), gelu, swiglu(x, x, y), add(x, x, y), add(x, y, x) [2, " + n + "] seed="
                    + seed, Tolerance.F32, b -> {
                try (Tensors s = new Tensors(b)) {
                    Tensor xt = s.upload(x, 2, n);
                    Tensor yt = s.upload(y, 2, n);
                    b.rmsNorm(xt, xt, s.upload(weight, n), 1e-5f);
                    b.gelu(xt, xt);
                    b.swiglu(xt, xt, yt);
                    b.add(xt, xt, yt);
                    b.add(xt, yt, xt);
                    return s.read(xt);
                }
            });
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // argument checks

    @Test
    public void rejectsATensorOfAnotherBackend() {
        Tensor foreign = new ForeignTensor();
        try (Tensors s = new Tensors(backend)) {
            Tensor out = s.allocate(4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend.gelu(out, foreign));
            assertTrue(e.getMessage().contains(ForeignTensor.BACKEND) && e.getMessage().contains(backend.name()),
                    "the message names both backends: " + e.getMessage());
        }
    }

    @Test
    public void rejectsMismatchedShapes() {
        try (Tensors s = new Tensors(backend)) {
            Tensor w = s.allocate(5, 8);
            Tensor out = s.allocate(5);
            assertThrows(IllegalArgumentException.class, () -> backend.matmul(out, w, s.allocate(7)), "x of the wrong n");
            assertThrows(IllegalArgumentException.class, () -> backend.matmul(s.allocate(4), w, s.allocate(8)),
                    "out of the wrong d");
            assertThrows(IllegalArgumentException.class, () -> backend.add(s.allocate(3), s.allocate(3), s.allocate(4)),
                    "add of different sizes");
            AttentionShape heads = new AttentionShape(2, 1, 4);
            Tensor cache = s.allocate(4, heads.kvDim());
            assertThrows(IllegalArgumentException.class,
                    () -> backend.attention(s.allocate(8), s.allocate(8), cache, cache, 4, heads), "pos past the cache");
            assertThrows(IllegalArgumentException.class,
                    () -> backend.rope(s.allocate(10), 0, Rope.of(4, 10000f, RopeLayout.INTERLEAVED)),
                    "x not a whole number of heads");
            assertThrows(IllegalArgumentException.class,
                    () -> backend.embedding(s.allocate(8), w, new int[] {5}), "token outside the vocabulary");
            assertThrows(IllegalArgumentException.class,
                    () -> backend.embedding(s.allocate(2, 8), w, new int[] {1}), "one token for two rows");
            assertThrows(IllegalArgumentException.class, () -> backend.matmul(out, w, s.allocate(8), s.allocate(4)),
                    "bias of the wrong d");
            Tensor square = s.allocate(8, 8);
            Tensor x = s.allocate(8);
            assertThrows(IllegalArgumentException.class, () -> backend.matmul(x, square, x), "out is x");
            assertThrows(IllegalArgumentException.class, () -> backend.attention(x, x, cache, cache, 0, heads),
                    "out is q");
            assertThrows(IllegalArgumentException.class,
                    () -> backend.attention(s.allocate(8), s.allocate(8), s.allocate(4, 5), s.allocate(4, 5), 0, heads),
                    "keys of the wrong kvDim");
            assertThrows(IllegalArgumentException.class,
                    () -> backend.attention(s.allocate(8), s.allocate(8), cache, s.allocate(5, 4), 0, heads),
                    "values unlike keys");
            assertThrows(IllegalArgumentException.class,
                    () -> backend.rope(x, -1, Rope.of(4, 10000f, RopeLayout.INTERLEAVED)), "a negative position");
            Rope rope = Rope.of(4, 10000f, RopeLayout.INTERLEAVED);
            assertThrows(IllegalArgumentException.class, () -> backend.rope(s.allocate(2, 8), new int[] {3}, rope),
                    "one position for two rows");
            assertThrows(IllegalArgumentException.class, () -> backend.rope(s.allocate(2, 8), new int[] {3, -1}, rope),
                    "a negative position of a row");
            assertThrows(IllegalArgumentException.class, () -> backend.rope(s.allocate(2, 10), new int[] {3, 1}, rope),
                    "rows not a whole number of heads");
            Tensor q2 = s.allocate(2, 8);
            Tensor out2 = s.allocate(2, 8);
            Tensor[] caches = {cache, s.allocate(6, heads.kvDim())};
            assertThrows(IllegalArgumentException.class,
                    () -> backend.attention(out2, q2, caches, caches, new int[] {1}, heads), "one position for two rows");
            assertThrows(IllegalArgumentException.class,
                    () -> backend.attention(out2, q2, new Tensor[] {cache}, caches, new int[] {1, 2}, heads),
                    "one cache of keys for two rows");
            assertThrows(IllegalArgumentException.class,
                    () -> backend.attention(out2, q2, caches, caches, new int[] {4, 2}, heads),
                    "a position past its row's cache");
            assertThrows(IllegalArgumentException.class,
                    () -> backend.attention(out2, q2, caches, caches, new int[] {0, -1}, heads), "a negative position");
            assertThrows(IllegalArgumentException.class,
                    () -> backend.attention(out2, q2, new Tensor[] {cache, s.allocate(6, 5)},
                            new Tensor[] {cache, s.allocate(6, 5)}, new int[] {0, 0}, heads),
                    "a cache of the wrong kvDim");
            assertThrows(IllegalArgumentException.class,
                    () -> backend.attention(out2, q2, caches, new Tensor[] {cache, cache}, new int[] {0, 5}, heads),
                    "a row's values unlike its keys");
            assertThrows(IllegalArgumentException.class,
                    () -> backend.attention(q2, q2, caches, caches, new int[] {0, 0}, heads), "out is q, per row");
            assertThrows(IllegalArgumentException.class,
                    () -> backend.attention(s.allocate(3, 8), q2, caches, caches, new int[] {0, 0}, heads),
                    "out unlike q, per row");
            assertThrows(IllegalArgumentException.class, () -> backend.rmsNorm(x, x, s.allocate(7), 1e-5f),
                    "norm weight of the wrong n");
            assertThrows(IllegalArgumentException.class, () -> backend.rmsNorm(x, x, s.allocate(8), Float.NaN),
                    "eps not a number");
            assertThrows(IllegalArgumentException.class,
                    () -> backend.layerNorm(x, x, s.allocate(8), s.allocate(7), 1e-5f), "norm bias of the wrong n");
            assertThrows(IllegalArgumentException.class, () -> backend.rmsNorm(s.allocate(2, 8), x, s.allocate(8), 0f),
                    "norm out unlike x");
            assertThrows(IllegalArgumentException.class, () -> backend.gelu(s.allocate(7), x), "gelu out unlike x");
            assertThrows(IllegalArgumentException.class, () -> backend.swiglu(x, x, s.allocate(2, 4)),
                    "swiglu up unlike gate");
            assertThrows(IllegalArgumentException.class, () -> backend.copyTo(x, new float[7]), "copyTo of the wrong size");
            assertThrows(IllegalArgumentException.class,
                    () -> backend.upload(MemorySegment.ofArray(new float[5]), Shape.of(2, 3), DType.F32),
                    "upload of the wrong byte size");
        }
    }

    /** Every backend words a rejection the same way: {@link dev.forwardpass.api.spi.OpChecks}'s message. */
    @Test
    public void rejectionsNameTheOpTheArgumentAndWhatWasExpected() {
        try (Tensors s = new Tensors(backend)) {
            Tensor w = s.allocate(5, 8);
            Tensor x = s.allocate(3, 7);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend.matmul(s.allocate(3, 5), w, x));
            assertEquals("matmul: x must be [n] or [B, n] with the n of w [5, 8], found [3, 7]", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> backend.copyRows(s.allocate(4, 7), 3, x, 0, 2));
            assertEquals("copyRows: dst must have rows 3..4, found [4, 7]", e.getMessage());
            AttentionShape heads = new AttentionShape(2, 1, 4);
            Tensor[] caches = {s.allocate(9, 4), s.allocate(4, 4)};
            e = assertThrows(IllegalArgumentException.class, () -> backend.attention(s.allocate(2, 8), s.allocate(2, 8),
                    caches, caches, new int[] {8, 4}, heads));
            assertEquals("attention: keys[1] must hold positions 0..4, found a cache of 4 rows", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> backend.rope(s.allocate(3, 8), new int[] {0, 1}, Rope.of(4, 10000f, RopeLayout.HALF_SPLIT)));
            assertEquals("rope: positions must be one per row of x [3, 8], found 2 positions", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> backend.gelu(x, s.allocate(7)));
            assertEquals("gelu: out must have the shape of x [7], found [3, 7]", e.getMessage());
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // determinism

    /** {@return whether results are bit-identical for any thread count; override to return false if not} */
    protected boolean isDeterministicAcrossThreadCounts() {
        return true;
    }

    @Test
    public void resultsDoNotDependOnTheThreadCount() {
        assumeTrue(isDeterministicAcrossThreadCounts(), "the backend does not promise it");
        try (Backend one = createBackend(BackendOptions.withThreads(1));
             Backend two = createBackend(BackendOptions.withThreads(2))) {
            int d = 301;
            long seed = seed("threads", 1031, d);
            for (DType wType : DType.values()) {
                if (!one.supports(wType)) {
                    continue;
                }
                // an odd row length: 1031, or whole blocks just above it
                int n = Math.ceilDiv(1031, wType.blockSize()) * wType.blockSize();
                float[] x = random(seed, 70 * n, 1);
                MemorySegment w = weights(seed + 1, d * n, wType);
                for (int batch : new int[] {0, 5, 70}) {
                    Function<Backend, float[]> matmul = b -> {
                        try (Tensors s = new Tensors(b)) {
                            Tensor out = s.allocate(dims(batch, d));
                            b.matmul(out, s.track(b.upload(w, Shape.of(d, n), wType)),
                                    s.upload(Arrays.copyOf(x, Math.max(batch, 1) * n), dims(batch, n)));
                            return s.read(out);
                        }
                    };
                    Tolerance.EXACT.assertClose(matmul.apply(one), matmul.apply(two),
                            "matmul " + wType + " B=" + batch + " with 1 vs 2 threads, seed=" + seed);
                }
            }
            AttentionShape heads = new AttentionShape(8, 2, 64);
            int pos = 200;
            int seqLen = pos + 3;
            float[] q = random(seed + 2, 3 * heads.queryDim(), 1);
            float[] cache = random(seed + 3, seqLen * heads.kvDim(), 1);
            Function<Backend, float[]> attention = b -> {
                try (Tensors s = new Tensors(b)) {
                    Tensor out = s.allocate(3, heads.queryDim());
                    Tensor kv = s.upload(cache, seqLen, heads.kvDim());
                    b.attention(out, s.upload(q, 3, heads.queryDim()), kv, kv, pos, heads);
                    return s.read(out);
                }
            };
            Tolerance.EXACT.assertClose(attention.apply(one), attention.apply(two),
                    "attention " + heads + " pos=" + pos + " B=3 with 1 vs 2 threads, seed=" + seed);
            int[] positions = {pos, 17, pos + 2, 0, 120};
            float[] rows = random(seed + 4, positions.length * heads.queryDim(), 1);
            Function<Backend, float[]> perRow = b -> {
                try (Tensors s = new Tensors(b)) {
                    Tensor out = s.allocate(positions.length, heads.queryDim());
                    Tensor kv = s.upload(cache, seqLen, heads.kvDim());
                    Tensor[] caches = {kv, kv, kv, kv, kv};
                    b.attention(out, s.upload(rows, positions.length, heads.queryDim()), caches, caches, positions,
                            heads);
                    return s.read(out);
                }
            };
            Tolerance.EXACT.assertClose(perRow.apply(one), perRow.apply(two),
                    "attention " + heads + " positions=" + Arrays.toString(positions)
                            + " with 1 vs 2 threads, seed=" + seed);
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // helpers

    /** Runs {@code op} on the reference and on the backend under test, with the same inputs, and compares. */
    private void check(String what, Tolerance tolerance, Function<Backend, float[]> op) {
        float[] expected = op.apply(reference);
        float[] actual = op.apply(backend);
        tolerance.assertClose(expected, actual, what);
    }

    private interface UnaryOp {
        void apply(Backend backend, Tensor out, Tensor x);
    }

    private void checkUnary(String what, float[] x, UnaryOp op) {
        check(what, Tolerance.F32, b -> {
            try (Tensors s = new Tensors(b)) {
                Tensor out = s.allocate(x.length);
                op.apply(b, out, s.upload(x, x.length));
                return s.read(out);
            }
        });
    }

    private void assumeSupported(DType type) {
        assumeTrue(backend.supports(type), () -> backend.name() + " does not support " + type);
    }

    /** {@return a seed that differs per test, size and variant but never between runs} */
    private static long seed(String test, int size, int variant) {
        return (test.hashCode() * 31L + size) * 31L + variant;
    }

    /** {@return n floats uniform in [-scale, scale]} */
    private static float[] random(long seed, int n, float scale) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return values;
    }

    /** {@return x with its first elements replaced by zeros and values where exp and tanh saturate} */
    private static float[] withExtremes(float[] x) {
        float[] extremes = {0f, -0f, 20f, -20f, 88f, -88f, 100f, -100f};
        System.arraycopy(extremes, 0, x, 0, Math.min(x.length, extremes.length));
        return x;
    }

    private static int[] dims(int rows, int n) {
        return rows == 0 ? new int[] {n} : new int[] {rows, n};
    }

    private static String shape(int rows, int n) {
        return Shape.of(dims(rows, n)).toString();
    }

    /** {@return the row lengths the tests of weights of {@code type} run: {@link #SIZES}, or whole blocks} */
    private static int[] sizes(DType type) {
        return type.isQuantized()
                ? IntStream.of(BLOCKS_PER_ROW).map(blocks -> blocks * type.blockSize()).toArray()
                : SIZES;
    }

    /** {@return {@code count} random weights of {@code type}, their values in [-1, 1]} */
    private static MemorySegment weights(long seed, int count, DType type) {
        return type.isQuantized() ? RandomBlocks.of(type, count, seed) : encode(random(seed, count, 1), type);
    }

    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {@return the values as little-endian elements of {@code type}, rounded to nearest (even on ties)} */
    protected static MemorySegment encode(float[] values, DType type) {
        MemorySegment bytes = MemorySegment.ofArray(new byte[(int) type.byteSize(values.length)]);
        for (int i = 0; i < values.length; i++) {
            switch (type) {
                case F32 -> bytes.setAtIndex(FLOAT_LE, i, values[i]);
                case F16 -> bytes.setAtIndex(SHORT_LE, i, Float.floatToFloat16(values[i]));
                case BF16 -> {
                    int bits = Float.floatToRawIntBits(values[i]);
                    bytes.setAtIndex(SHORT_LE, i, (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16));
                }
                default -> throw new IllegalArgumentException("encode: " + type + " is a block type");
            }
        }
        return bytes;
    }

    /** The tensors of one check, closed together. */
    private static final class Tensors implements AutoCloseable {
        private final Backend backend;
        private final List<Tensor> tensors = new ArrayList<>();

        Tensors(Backend backend) {
            this.backend = backend;
        }

        Tensor track(Tensor tensor) {
            tensors.add(tensor);
            return tensor;
        }

        Tensor allocate(int... dims) {
            return track(backend.allocate(Shape.of(dims)));
        }

        /** Uploads a copy of the values, so that no backend can see another's writes. */
        Tensor upload(float[] values, int... dims) {
            float[] copy = values.clone();
            return track(backend.upload(MemorySegment.ofArray(copy), Shape.of(dims), DType.F32));
        }

        float[] read(Tensor tensor) {
            float[] values = new float[Math.toIntExact(tensor.shape().size())];
            backend.copyTo(tensor, values);
            return values;
        }

        @Override
        public void close() {
            for (Tensor tensor : tensors) {
                tensor.close();
            }
        }
    }

    /** A tensor no backend made. */
    private static final class ForeignTensor implements Tensor {
        static final String BACKEND = "elsewhere";

        @Override
        public Shape shape() {
            return Shape.of(4);
        }

        @Override
        public DType dtype() {
            return DType.F32;
        }

        @Override
        public String backendName() {
            return BACKEND;
        }

        @Override
        public void close() {}
    }
}
