package dev.forwardpass.backend.java;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.backend.java.kernels.AttentionKernels;
import dev.forwardpass.backend.java.kernels.MatmulKernels;
import dev.forwardpass.backend.java.kernels.Parallel;
import dev.forwardpass.backend.java.kernels.PromptAttentionKernels;
import dev.forwardpass.backend.java.kernels.RopeKernels;
import dev.forwardpass.backend.java.kernels.Workspace;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Backend {@code "java"}: the Vector API kernels of package {@code kernels} ({@link RowKernels#VECTOR} for the row
 * ops), with matmul rows and attention heads split over {@link BackendOptions#threads()} threads by {@link Parallel}
 * (the caller plus a pool this backend owns).
 *
 * <p>A decode step allocates nothing: the worker threads, their scratch memory and the objects describing the current
 * matmul or attention are created once, here, and reused. Results are bit-identical for any thread count.
 *
 * <p>Calls from several threads may overlap, beyond what {@link dev.forwardpass.api.Backend} promises: the ops that
 * use the shared tasks and scratch memory (matmul, attention, rope) run one at a time; as each already uses every
 * thread, callers on several threads lose little by waiting for each other.
 */
public final class JavaBackend extends SegmentBackend {
    /** The name this backend is found by. */
    public static final String NAME = "java";

    /**
     * Multiply-adds below which a chunk is not worth handing to another thread: 1.5 to 3 µs of streaming a weight
     * matrix, four times what a chunk handed to a spinning worker measured to cost (0.4 µs); an op smaller than two
     * chunks runs on the caller alone. Smaller chunks split the 15M model's 288-row matrices in five rather than in two
     * unequal halves.
     */
    private static final long MIN_CHUNK_WORK = 1 << 13;

    private final Parallel parallel;
    private final Object lock = new Object();
    private final TransposeRows transposeRows = new TransposeRows();
    private final MatmulRows matmulRows = new MatmulRows();
    private final AttentionItems attentionItems = new AttentionItems();
    private final PromptAttentionItems promptAttentionItems = new PromptAttentionItems();
    private final RowCacheAttentionItems rowCacheAttentionItems = new RowCacheAttentionItems();

    /** Creates the backend and its thread pool ({@code options.threads() - 1} threads; the caller is the last). */
    public JavaBackend(BackendOptions options) {
        super(NAME, options.threads(), RowKernels.VECTOR);
        this.parallel = new Parallel(options.threads(), NAME);
    }

    @Override
    void computeMatmul(MemorySegment out, MemorySegment w, DType wType, MemorySegment x, MemorySegment bias,
                       int batch, int n, int d) {
        // chunks of whole tiles (or groups) of weight rows, so that only the last chunk of a batch has a smaller one
        int minChunk = roundUp(chunkItems((long) n * batch), MatmulKernels.shareRows(batch));
        synchronized (lock) {
            try {
                MemorySegment panels = null;
                if (MatmulKernels.usesPanels(batch)) {
                    // x transposed once for all threads (by all threads), in memory the caller owns
                    panels = parallel.callerWorkspace().transposed(MatmulKernels.panelFloats(batch, n));
                    int vectorRows = MatmulKernels.panelVectorRows();
                    transposeRows.set(panels, x, batch, n);
                    parallel.forRange(0, Math.ceilDiv(batch, vectorRows), chunkItems((long) vectorRows * n),
                            transposeRows);
                }
                matmulRows.set(out, w, wType, x, panels, bias, batch, n, d);
                parallel.forRange(0, d, minChunk, matmulRows);
            } finally {
                transposeRows.clear();
                matmulRows.clear();
            }
        }
    }

    @Override
    void computeAttention(MemorySegment out, MemorySegment q, MemorySegment keys, MemorySegment values,
                          int rows, int pos, AttentionShape heads) {
        // an item is one head of one query row, or of a block of rows: scores over (positions) keys, then as many
        // value rows, each headSize, a row
        AttentionItems body = PromptAttentionKernels.applies(rows, heads) ? promptAttentionItems : attentionItems;
        int items = body.items(rows, heads);
        long work = 2L * (pos + rows) * heads.headSize() * rows * heads.nHeads();
        int minChunk = chunkItems(work / items);
        synchronized (lock) {
            body.set(out, q, keys, values, rows, pos, heads);
            try {
                parallel.forRange(0, items, minChunk, body);
            } finally {
                body.clear();
            }
        }
    }

    @Override
    void computeAttention(MemorySegment out, MemorySegment q, Tensor[] keys, Tensor[] values, int[] positions,
                          AttentionShape heads) {
        long steps = positions.length; // key rows over all query rows
        for (int p : positions) {
            steps += p;
        }
        int minChunk = chunkItems(2 * Math.ceilDiv(steps, positions.length) * heads.headSize());
        synchronized (lock) {
            rowCacheAttentionItems.set(out, q, keys, values, positions, heads);
            try {
                parallel.forRange(0, positions.length * heads.nHeads(), minChunk, rowCacheAttentionItems);
            } finally {
                rowCacheAttentionItems.clear();
            }
        }
    }

    @Override
    void computeRope(MemorySegment x, int rows, int width, int pos, Rope rope) {
        synchronized (lock) {
            RopeKernels.rope(x, rows, width, pos, rope, parallel.callerWorkspace());
        }
    }

    @Override
    void computeRope(MemorySegment x, int width, int[] positions, Rope rope) {
        synchronized (lock) {
            RopeKernels.rope(x, width, positions, rope, parallel.callerWorkspace());
        }
    }

    /** Frees the tensors still open and stops the pool threads. */
    @Override
    public void close() {
        super.close();
        parallel.close();
    }

    /** {@return how many items of {@code workPerItem} multiply-adds make a chunk worth a thread} */
    private static int chunkItems(long workPerItem) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (MIN_CHUNK_WORK + workPerItem - 1) / workPerItem));
    }

    private static int roundUp(int value, int multiple) {
        return (int) Math.min(Integer.MAX_VALUE - multiple + 1, ((long) value + multiple - 1) / multiple * multiple);
    }

    /** The transpose of the current matmul's x into panels, as a {@link Parallel} body over vectors of rows of x. */
    private static final class TransposeRows implements Parallel.RangeBody {
        private MemorySegment panels;
        private MemorySegment x; // (B, n)
        private int batch;
        private int n;

        void set(MemorySegment panels, MemorySegment x, int batch, int n) {
            this.panels = panels;
            this.x = x;
            this.batch = batch;
            this.n = n;
        }

        void clear() {
            set(null, null, 0, 0);
        }

        @Override
        public void run(int from, int to, Workspace workspace) {
            MatmulKernels.transposeToPanels(panels, x, batch, n, from, to);
        }
    }

    /** The current matmul, as a {@link Parallel} body over output rows; one instance, reused under the lock. */
    private static final class MatmulRows implements Parallel.RangeBody {
        private MemorySegment out; // (B, d)
        private MemorySegment w; // (d, n) in wType
        private DType wType;
        private MemorySegment x; // (B, n)
        private MemorySegment panels; // x transposed, or null where the batch is multiplied row by row
        private MemorySegment bias; // (d,) or null
        private int batch;
        private int n;
        private int d;

        void set(MemorySegment out, MemorySegment w, DType wType, MemorySegment x, MemorySegment panels,
                 MemorySegment bias, int batch, int n, int d) {
            this.out = out;
            this.w = w;
            this.wType = wType;
            this.x = x;
            this.panels = panels;
            this.bias = bias;
            this.batch = batch;
            this.n = n;
            this.d = d;
        }

        /** Drops the references, so that a finished call does not keep its tensors' memory reachable. */
        void clear() {
            set(null, null, null, null, null, null, 0, 0, 0);
        }

        @Override
        public void run(int from, int to, Workspace workspace) {
            if (panels != null) {
                MatmulKernels.matmulPanels(out, w, wType, panels, bias, batch, n, d, from, to, workspace);
            } else {
                MatmulKernels.matmul(out, w, wType, x, bias, batch, n, d, from, to, workspace);
            }
        }
    }

    /** The current attention, as a {@link Parallel} body over (query row, head) items; reused under the lock. */
    private static class AttentionItems implements Parallel.RangeBody {
        MemorySegment out; // (B, queryDim)
        MemorySegment q; // (B, queryDim)
        MemorySegment keys; // (seqLen, kvDim)
        MemorySegment values; // (seqLen, kvDim)
        int rows;
        int pos;
        AttentionShape heads;

        /** {@return the items of an attention of {@code rows} query rows} */
        int items(int rows, AttentionShape heads) {
            return rows * heads.nHeads();
        }

        void set(MemorySegment out, MemorySegment q, MemorySegment keys, MemorySegment values, int rows, int pos,
                 AttentionShape heads) {
            this.out = out;
            this.q = q;
            this.keys = keys;
            this.values = values;
            this.rows = rows;
            this.pos = pos;
            this.heads = heads;
        }

        void clear() {
            set(null, null, null, null, 0, 0, null);
        }

        @Override
        public void run(int from, int to, Workspace workspace) {
            AttentionKernels.attention(out, q, keys, values, pos, heads, from, to, workspace);
        }
    }

    /** {@link AttentionItems} over (block of query rows, head) items, where {@link PromptAttentionKernels} applies. */
    private static final class PromptAttentionItems extends AttentionItems {
        @Override
        int items(int rows, AttentionShape heads) {
            return PromptAttentionKernels.items(rows, heads);
        }

        @Override
        public void run(int from, int to, Workspace workspace) {
            PromptAttentionKernels.attention(out, q, keys, values, rows, pos, heads, from, to, workspace);
        }
    }

    /**
     * The current attention with a KV cache per query row, as a {@link Parallel} body over (query row, head) items;
     * reused under the lock, its arrays of cache segments grown to the largest batch seen.
     */
    private static final class RowCacheAttentionItems implements Parallel.RangeBody {
        private MemorySegment out; // (B, queryDim)
        private MemorySegment q; // (B, queryDim)
        private MemorySegment[] keys = new MemorySegment[0]; // B × (seqLen_b, kvDim), then unused entries
        private MemorySegment[] values = new MemorySegment[0]; // B × (seqLen_b, kvDim), then unused entries
        private int[] positions; // (B,)
        private AttentionShape heads;

        void set(MemorySegment out, MemorySegment q, Tensor[] keys, Tensor[] values, int[] positions,
                 AttentionShape heads) {
            if (this.keys.length < positions.length) {
                this.keys = new MemorySegment[positions.length];
                this.values = new MemorySegment[positions.length];
            }
            for (int b = 0; b < positions.length; b++) {
                this.keys[b] = segment(keys[b]);
                this.values[b] = segment(values[b]);
            }
            this.out = out;
            this.q = q;
            this.positions = positions;
            this.heads = heads;
        }

        void clear() {
            Arrays.fill(keys, null);
            Arrays.fill(values, null);
            out = null;
            q = null;
            positions = null;
            heads = null;
        }

        @Override
        public void run(int from, int to, Workspace workspace) {
            AttentionKernels.attention(out, q, keys, values, positions, heads, from, to, workspace);
        }
    }
}
