package dev.forwardpass.backend.djl;

import static com.google.common.base.Preconditions.checkState;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.api.quant.Dequantizer;
import dev.forwardpass.api.spi.OpChecks;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Backend {@code "djl"}: every op on native PyTorch (CPU) tensors through the Deep Java Library.
 *
 * <h2>Memory</h2>
 * One {@link NDManager} per backend owns every native tensor it hands out (weights, activations, KV caches) and frees
 * them all in {@link #close()}. Weights are copied into native F32 tensors once, by {@link #upload}; activations stay
 * native between ops, and only {@link #copyTo} brings values back to the heap.
 *
 * <p>DJL ops return new arrays, so an op computes its result as a fresh native tensor and then moves it into the
 * output tensor with {@link NDArray#intern}, which frees the output's previous native tensor on the spot. That costs
 * no copy (a copy into the old buffer would be one more pass over memory) and keeps the native footprint constant:
 * the allocator hands the freed block to the next op of the same size. Every other array an op makes (views,
 * intermediates) is created inside an {@link NDScope} and freed when the op returns. In-place forms ({@code addi},
 * {@code muli}) are used where the output is an input.
 *
 * <h2>Threads</h2>
 * {@link BackendOptions#threads()} becomes PyTorch's intra-op thread count ({@code at::set_num_threads}, through
 * DJL's {@code JniUtils.setNumThreads}). PyTorch keeps that count per calling thread (OpenMP's per-thread
 * {@code nthreads-var}, MKL's thread-local setting); the last value set anywhere is only the default a thread picks up
 * the first time it runs a PyTorch op. So each op first makes sure the calling thread runs with this backend's count
 * (one thread-local read; a native call only when it differs), and two backends with different counts each compute
 * with their own. Inter-op threads are left at PyTorch's default; no op here uses them.
 *
 * <h2>Determinism</h2>
 * A matrix-vector product (decoding) has given the same bits for 1 and 2 threads in every test. A matrix-matrix
 * product (a batch, e.g. prefill) goes to MKL's sgemm inside libtorch, which splits its sums by thread count unless
 * MKL runs in strict reproducibility mode: start the JVM with {@code MKL_CBWR=AUTO,STRICT} in its environment (MKL
 * reads it once, when it starts) for results that do not depend on {@code --threads}.
 *
 * <p>Calls may come from several threads at once, beyond what {@link Backend} promises: every op, and a tensor's
 * {@code close()}, holds the backend's monitor (the lock models take turns on anyway, re-entered at no cost then), so
 * they run one at a time. They must: the caches of constants, RoPE tables, and a RoPE table's rows and
 * rotation matrix of the last position asked for, are shared by every caller, and a call at another position frees the
 * last one's (a concurrent caller's matrix product then read freed memory: SIGSEGV in {@code mm_out_cpu}).
 */
public final class DjlBackend implements Backend {
    /** The name this backend is registered under. */
    static final String NAME = "djl";

    /** DJL's name for its PyTorch engine. */
    private static final String ENGINE_NAME = "PyTorch";
    /** Native memory is viewed through {@link ByteBuffer}s, whose size is an int: view at most this much at once. */
    private static final long MAX_VIEW_BYTES = 1L << 30;
    /** A model uses one {@link Rope}; a few more covers tests and side-by-side models without unbounded growth. */
    private static final int MAX_ROPE_TABLES = 4;
    /** A model uses a few constants (its eps, its sizes); the cache is bounded all the same. */
    private static final int MAX_CONSTANTS = 16;
    /**
     * Attention and RoPE of fewer multiply-adds than this (per product) run on one thread. PyTorch's batched matmul
     * and softmax open an OpenMP parallel region even for a few thousand of them, and every region ends at a barrier
     * that waits for the slowest thread: on a busy machine (two cores shared with the JIT, the GC or other processes)
     * a descheduled worker made short-context decoding ten times slower with 2 threads than with 1, and a decode
     * step's RoPE (a [heads, headSize] · [headSize, headSize] product) took twice as long on 2 threads as on 1. Below
     * this size one thread takes well under a millisecond, so nothing is lost.
     */
    private static final long SMALL_WORK = 1L << 18;
    /** Elements widened or dequantized per pass: whole blocks of every block type. */
    private static final int WIDEN_CHUNK = 1 << 16;
    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * The intra-op thread count last given to PyTorch on each thread (0: none yet). Static and per thread because
     * PyTorch's own setting is: it mirrors what {@link #useThreads} set, holds one int per thread, and is stale only if
     * code outside this class calls {@code JniUtils.setNumThreads} on a thread the backends use.
     */
    private static final ThreadLocal<int[]> THREADS_SET = ThreadLocal.withInitial(() -> new int[1]);

    private final NDManager manager; // owns every native tensor of this backend
    private final int threads;
    private final Map<Rope, RopeTable> ropeTables;
    private final Map<Float, NDArray> constants;
    private boolean closed;

    private DjlBackend(NDManager manager, int threads) {
        this.manager = manager;
        this.threads = threads;
        this.ropeTables = closingCache(MAX_ROPE_TABLES);
        this.constants = closingCache(MAX_CONSTANTS);
    }

    /** {@return a map that keeps its {@code max} most recently used entries, closing the values it drops} */
    private static <K, V extends AutoCloseable> Map<K, V> closingCache(int max) {
        return new LinkedHashMap<>(8, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                if (size() <= max) {
                    return false;
                }
                try {
                    eldest.getValue().close();
                } catch (Exception e) {
                    throw new IllegalStateException("could not free a cached native tensor", e);
                }
                return true;
            }
        };
    }

    /**
     * {@return a new backend}, loading PyTorch first if this is the first one in the process.
     *
     * @throws IllegalStateException if PyTorch cannot be loaded here
     */
    static DjlBackend create(BackendOptions options) {
        // Without the natives on the class path DJL would try to download them, offline or not.
        PyTorchNatives.requireAvailable();
        // Tensors are filled and read as raw bytes; the API's data is little-endian, as is every PyTorch platform.
        checkState(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "backend '%s' needs a little-endian CPU", NAME);
        // Must precede the first touch of ai.djl.engine.Engine, whose static initializer otherwise phones home. It is
        // process-wide and stays: DJL then never goes to the network in this JVM, which is this backend's promise.
        System.setProperty("ai.djl.offline", "true");
        Engine engine;
        try {
            engine = Engine.getEngine(ENGINE_NAME);
        } catch (EngineException | IllegalArgumentException | UnsatisfiedLinkError e) {
            throw new IllegalStateException("backend '" + NAME + "': PyTorch failed to load: " + e.getMessage(), e);
        }
        return new DjlBackend(engine.newBaseManager(Device.cpu()), options.threads());
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@inheritDoc} Every dtype: all are widened or dequantized to F32 once, by {@link #upload}. */
    @Override
    public boolean supports(DType dtype) {
        return true;
    }

    /** {@return the intra-op thread count PyTorch runs this backend's ops with} */
    @Override
    public int threads() {
        return threads;
    }

    // ----------------------------------------------------------------------------------------------------------
    // memory

    @Override
    public synchronized Tensor allocate(Shape shape) {
        enter();
        NDArray array = manager.zeros(djlShape(shape), DataType.FLOAT32);
        // A caller's NDScope open on this thread must not free a tensor we hand out.
        NDScope.unregister(array);
        return new DjlTensor(this, array, shape);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Always copies, once, into a native F32 tensor: F16 and BF16 are widened on the way (exactly; every half
     * value is a float), and the block types dequantized by their definition ({@link Dequantizer}), so a quantized
     * model takes the memory of its F32 form here (4 bytes a weight, against 1.06 for Q8_0 and 0.56 for Q4_0). PyTorch will not multiply an F32 activation by an F16 weight, and its CPU half-precision
     * matmul is much slower than F32 without AVX512-FP16/BF16, so keeping the half dtype would cost a cast per op;
     * the price of widening is twice the memory for half-precision weights. {@link Tensor#dtype()} of the result is
     * therefore {@link DType#F32}.
     */
    @Override
    public synchronized Tensor upload(MemorySegment data, Shape shape, DType dtype) {
        checkState(!closed, "backend '%s' is closed", NAME);
        OpChecks.checkUpload(this, data, shape, dtype);
        long size = shape.size();
        NDArray array = manager.create(djlShape(shape), DataType.FLOAT32); // uninitialized: filled below
        NDScope.unregister(array);
        try (NDScope _ = enterScope()) {
            long chunk = MAX_VIEW_BYTES / Float.BYTES;
            NDArray flat = array.reshape(size);
            for (long from = 0; from < size; from += chunk) {
                long count = Math.min(chunk, size - from);
                NDArray part = count == size ? flat : slice(flat, 0, from, from + count);
                ByteBuffer view = part.toByteBuffer(true);
                checkState(view.isDirect(), "DJL did not expose the native memory of a new tensor");
                widenToF32(MemorySegment.ofBuffer(view), data, from, count, dtype);
            }
        } catch (RuntimeException e) {
            array.close();
            throw e;
        }
        return new DjlTensor(this, array, shape);
    }

    /** Writes elements {@code from..from+count-1} of {@code src} as floats to {@code dst} (native memory). */
    private static void widenToF32(MemorySegment dst, MemorySegment src, long from, long count, DType dtype) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, from * Float.BYTES, dst, 0, count * Float.BYTES);
            case F16, BF16 -> {
                // Through small heap arrays: the JIT vectorizes these loops; element-wise segment access measured
                // about five times slower (a minute or more for the weights of a 7B model).
                short[] halves = new short[(int) Math.min(count, WIDEN_CHUNK)];
                float[] floats = new float[halves.length];
                for (long done = 0; done < count; done += halves.length) {
                    int n = (int) Math.min(halves.length, count - done);
                    MemorySegment.copy(src, SHORT_LE, (from + done) * Short.BYTES, halves, 0, n);
                    if (dtype == DType.F16) {
                        for (int i = 0; i < n; i++) {
                            floats[i] = Float.float16ToFloat(halves[i]);
                        }
                    } else {
                        for (int i = 0; i < n; i++) {
                            floats[i] = Float.intBitsToFloat(halves[i] << 16); // bfloat16: the upper half of a float
                        }
                    }
                    MemorySegment.copy(floats, 0, dst, ValueLayout.JAVA_FLOAT_UNALIGNED, done * Float.BYTES, n);
                }
            }
            default -> {
                float[] floats = new float[(int) Math.min(count, WIDEN_CHUNK)];
                for (long done = 0; done < count; done += floats.length) {
                    int n = (int) Math.min(floats.length, count - done);
                    Dequantizer.dequantize(dtype, src, dtype.byteSize(from + done), floats, 0, n);
                    MemorySegment.copy(floats, 0, dst, ValueLayout.JAVA_FLOAT_UNALIGNED, done * Float.BYTES, n);
                }
            }
        }
    }

    @Override
    public synchronized void copyTo(Tensor src, float[] dst) {
        OpChecks.checkCopyTo(src, dst);
        NDArray a = array(src, "copyTo: src");
        try (NDScope _ = enterScope()) {
            // A view of the native memory, so one copy straight into dst. (Our tensors are contiguous; were one not,
            // DJL would view a contiguous copy, which the scope then frees.)
            ByteBuffer view = a.toByteBuffer(true);
            view.order(ByteOrder.nativeOrder()).asFloatBuffer().get(dst);
        }
    }

    @Override
    public synchronized void copyRows(Tensor dst, int dstRow, Tensor src, int srcRow, int rows) {
        OpChecks.checkCopyRows(dst, dstRow, src, srcRow, rows);
        NDArray d = array(dst, "copyRows: dst");
        NDArray s = array(src, "copyRows: src");
        // along dim 0 of dst: its rows, or all of a vector [n] (index_put drops the leading 1 of a [1, n] value)
        long to = dst.shape().rank() == 1 ? dst.shape().columns() : dstRow + rows;
        if (rows == src.shape().rows()) {
            enter();
            putRows(d, dstRow, to, s); // all of src, e.g. a key or value entering a cache: no view to free
        } else {
            try (NDScope _ = enterScope()) {
                putRows(d, dstRow, to, slice(s, 0, srcRow, srcRow + rows)); // a view of the rows, one copy
            }
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // ops: check, make the tensors ours, compute in a scope

    @Override
    public synchronized void embedding(Tensor out, Tensor table, int[] tokens) {
        OpChecks.checkEmbedding(out, table, tokens);
        DjlTensor o = tensor(out, "embedding: out");
        NDArray t = array(table, "embedding: table");
        try (NDScope _ = enterScope()) {
            if (tokens.length == 1) {
                // The table's row [1, dim] copied into out's own memory: a slice and one copy, where duplicating the
                // slice took a clone and a reshape too (the first ops of a token, each slow with the caches emptied
                // by the classifier). All of out along its first dimension: its one row, or its dim elements (the
                // row's leading 1 is dropped).
                putRows(o.array(), 0, out.shape().dim(0), slice(t, 0, tokens[0], tokens[0] + 1));
            } else {
                NDArray ids = manager.create(Arrays.stream(tokens).asLongStream().toArray());
                storeReshaped(o, t.getNDArrayInternal().embedding(ids, t, SparseFormat.DENSE).singletonOrThrow());
            }
        }
    }

    @Override
    public synchronized void matmul(Tensor out, Tensor w, Tensor x, Tensor bias) {
        OpChecks.checkMatmul(out, w, x, bias);
        DjlTensor o = tensor(out, "matmul: out");
        NDArray ba = bias == null ? null : array(bias, "matmul: bias");
        try (NDScope _ = enterScope()) {
            // torch linear: x · wᵀ + bias (addmm / mv on the row-major [d, n] weight, no transpose copy)
            store(o, linear(array(x, "matmul: x"), array(w, "matmul: w"), ba));
        }
    }

    @Override
    public synchronized void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        OpChecks.checkRmsNorm(out, x, weight, eps);
        DjlTensor o = tensor(out, "rmsNorm: out");
        NDArray xa = array(x, "rmsNorm: x");
        NDArray wa = array(weight, "rmsNorm: weight");
        try (NDScope _ = enterScope()) {
            int n = x.shape().columns();
            NDArray meanSquare;
            if (x.shape().rows() == 1) {
                // Σx² of the one row, for a row [1, n] as the product x · xᵀ: decoding, every op runs just after a
                // weight stream has emptied the caches, and linear runs the matrix × vector code those streams keep
                // warm (faster than a reshape and a dot product; figures in docs/performance.md)
                NDArray sumOfSquares = x.shape().rank() == 1 ? xa.dot(xa) : linear(xa, xa, null);
                meanSquare = sumOfSquares.divi(constant(n));
            } else {
                meanSquare = xa.square().mean(new int[] {-1}, true); // (rows, 1)
            }
            store(o, xa.div(meanSquare.addi(constant(eps)).sqrt()).muli(wa));
        }
    }

    @Override
    public synchronized void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        OpChecks.checkLayerNorm(out, x, weight, bias, eps);
        DjlTensor o = tensor(out, "layerNorm: out");
        NDArray xa = array(x, "layerNorm: x");
        NDArray wa = array(weight, "layerNorm: weight");
        NDArray ba = array(bias, "layerNorm: bias");
        try (NDScope _ = enterScope()) {
            ai.djl.ndarray.types.Shape normalized = new ai.djl.ndarray.types.Shape(x.shape().columns());
            store(o, xa.getNDArrayInternal().layerNorm(xa, normalized, wa, ba, eps).singletonOrThrow());
        }
    }

    @Override
    public synchronized void rope(Tensor x, int pos, Rope rope) {
        OpChecks.checkRope(x, pos, rope);
        rotate(tensor(x, "rope: x"), rope, pos, null);
    }

    @Override
    public synchronized void rope(Tensor x, int[] positions, Rope rope) {
        OpChecks.checkRope(x, positions, rope);
        rotate(tensor(x, "rope: x"), rope, 0, positions);
    }

    /** RoPE of every row b of {@code t} at position {@code pos + b}, or {@code positions[b]} if not null. */
    private void rotate(DjlTensor t, Rope rope, int pos, int[] positions) {
        int headSize = rope.headSize();
        int rows = t.shape().rows();
        int nHeads = t.shape().columns() / headSize;
        try (NDScope _ = enterScope()) {
            RopeTable table = ropeTables.computeIfAbsent(rope, r -> new RopeTable(r, manager));
            if ((long) rows * nHeads * headSize * headSize < SMALL_WORK) {
                useThreads(1); // until the next op's enter(): see useThreads
            }
            if (rows == 1) {
                // one position (decoding): one product with that position's rotation matrix
                NDArray heads = t.array().reshape(nHeads, headSize);
                storeReshaped(t, heads.matMul(table.rotation(positions == null ? pos : positions[0])));
            } else {
                // (rows, 1, headSize): row b is position pos + b, or positions[b]
                NDArray[] cosSin = positions == null ? table.rows(pos, rows) : table.rowsAt(positions);
                NDArray heads = t.array().reshape(rows, nHeads, headSize);
                // partner(x): the two elements of every pair swapped (see RopeTable)
                NDArray partner = heads.matMul(table.swap());
                storeReshaped(t, heads.mul(cosSin[0]).addi(partner.muli(cosSin[1])));
            }
        }
    }

    @Override
    public synchronized void attention(Tensor out, Tensor q, Tensor keys, Tensor values, int pos, AttentionShape heads) {
        OpChecks.checkAttention(out, q, keys, values, pos, heads);
        DjlTensor o = tensor(out, "attention: out");
        NDArray qa = array(q, "attention: q");
        DjlTensor kt = tensor(keys, "attention: keys");
        DjlTensor vt = tensor(values, "attention: values");
        int rows = q.shape().rows();
        int len = pos + rows; // keys 0..len-1 are valid; row b sees 0..pos+b
        try (NDScope _ = enterScope()) {
            if ((long) rows * heads.nHeads() * len * heads.headSize() < SMALL_WORK) {
                useThreads(1); // until the next op's enter(): see useThreads
            }
            int nKv = heads.nKvHeads();
            int kvMul = heads.kvMul();
            int headSize = heads.headSize();
            // Query heads grouped by the key/value head they read (GQA): (nKv, rows * kvMul, headSize); one row
            // is that already
            NDArray qg = rows == 1
                    ? qa.reshape(nKv, kvMul, headSize)
                    : qa.reshape(rows, nKv, kvMul, headSize).transpose(1, 0, 2, 3)
                            .reshape(nKv, (long) rows * kvMul, headSize);
            NDArray scores = scores(qg, kt, len, heads); // (nKv, rows * kvMul, len)
            if (rows > 1) {
                // causal mask: row b must not see t > pos + b
                scores = scores.reshape(nKv, rows, kvMul, len).add(causalMask(pos, rows, len))
                        .reshape(nKv, (long) rows * kvMul, len);
            }
            NDArray att = weightedValues(scores.softmax(-1), vt, len, heads); // (nKv, rows * kvMul, headSize)
            storeReshaped(o, rows == 1
                    ? att // (nKv, kvMul, headSize) is the order of q's heads
                    : att.reshape(nKv, rows, kvMul, headSize).transpose(1, 0, 2, 3));
        }
    }

    /**
     * {@inheritDoc} One row at a time, each the attention of a single query row over its own cache (the caches differ
     * in length, so they do not stack without copying them), joined into {@code out} by one concatenation.
     */
    @Override
    public synchronized void attention(Tensor out, Tensor q, Tensor[] keys, Tensor[] values, int[] positions,
                                       AttentionShape heads) {
        OpChecks.checkAttention(out, q, keys, values, positions, heads);
        DjlTensor o = tensor(out, "attention: out");
        NDArray qa = array(q, "attention: q");
        int rows = positions.length;
        DjlTensor[] kt = new DjlTensor[rows];
        DjlTensor[] vt = new DjlTensor[rows];
        long work = 0;
        for (int b = 0; b < rows; b++) {
            kt[b] = tensor(keys[b], "attention: keys");
            vt[b] = tensor(values[b], "attention: values");
            work += (long) heads.nHeads() * (positions[b] + 1) * heads.headSize();
        }
        try (NDScope _ = enterScope()) {
            if (work < SMALL_WORK) {
                useThreads(1); // until the next op's enter(): see useThreads
            }
            int nKv = heads.nKvHeads();
            NDArray qRows = qa.reshape(rows, nKv, heads.kvMul(), heads.headSize()); // row b: its heads by kv head
            PtNDArray[] att = new PtNDArray[rows]; // row b: (nKv, kvMul, headSize), the order of q's heads
            for (int b = 0; b < rows; b++) {
                int len = positions[b] + 1;
                NDArray qg = slice(qRows, 0, b, b + 1).reshape(nKv, heads.kvMul(), heads.headSize());
                att[b] = (PtNDArray) weightedValues(scores(qg, kt[b], len, heads).softmax(-1), vt[b], len, heads);
            }
            storeReshaped(o, JniUtils.cat(att, 0));
        }
    }

    /**
     * {@return the scores {@code qg · k / sqrt(headSize)} of queries grouped by key/value head, {@code qg}
     * {@code (nKv, queries, headSize)}, over positions {@code 0..len-1} of the keys: {@code (nKv, queries, len)}}
     */
    private NDArray scores(NDArray qg, DjlTensor keys, int len, AttentionShape heads) {
        // the valid positions of the cache's head view
        NDArray k = slice(keys.headView(heads.nKvHeads(), heads.headSize(), true), 2, 0, len); // (nKv, headSize, len)
        // batchMatMul is torch's bmm; matMul (torch matmul) gets to the same bmm through expands and views of
        // both operands, which made attention slower (docs/performance.md)
        return qg.batchMatMul(k).divi(constant((float) Math.sqrt(heads.headSize())));
    }

    /** {@return {@code weights · v} over positions {@code 0..len-1} of the values: {@code (nKv, queries, headSize)}} */
    private static NDArray weightedValues(NDArray weights, DjlTensor values, int len, AttentionShape heads) {
        NDArray v = slice(values.headView(heads.nKvHeads(), heads.headSize(), false), 1, 0, len); // (nKv, len, hs)
        return weights.batchMatMul(v);
    }

    /** {@return (rows, 1, len): 0 where row b may see position t (t <= pos + b), -inf elsewhere} */
    private NDArray causalMask(int pos, int rows, int len) {
        float[] mask = new float[rows * len];
        for (int b = 0; b < rows; b++) {
            Arrays.fill(mask, b * len + pos + b + 1, (b + 1) * len, Float.NEGATIVE_INFINITY);
        }
        return manager.create(mask, new ai.djl.ndarray.types.Shape(rows, 1, len));
    }

    @Override
    public synchronized void gelu(Tensor out, Tensor x) {
        OpChecks.checkGelu(out, x);
        DjlTensor o = tensor(out, "gelu: out");
        NDArray xa = array(x, "gelu: x");
        try (NDScope _ = enterScope()) {
            // 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³))); PyTorch has this form, but DJL only exposes the erf one
            NDArray inner = xa.square().muli(xa).muli(0.044715f).addi(xa).muli((float) Math.sqrt(2 / Math.PI));
            store(o, inner.tanh().addi(1f).muli(xa).muli(0.5f));
        }
    }

    @Override
    public synchronized void swiglu(Tensor out, Tensor gate, Tensor up) {
        OpChecks.checkSwiglu(out, gate, up);
        DjlTensor o = tensor(out, "swiglu: out");
        NDArray ga = array(gate, "swiglu: gate");
        try (NDScope _ = enterScope()) {
            store(o, ga.getNDArrayInternal().sigmoid().muli(ga).muli(array(up, "swiglu: up"))); // silu(gate) ⊙ up
        }
    }

    @Override
    public synchronized void add(Tensor out, Tensor a, Tensor b) {
        OpChecks.checkAdd(out, a, b);
        DjlTensor o = tensor(out, "add: out");
        NDArray aa = array(a, "add: a");
        NDArray ba = array(b, "add: b");
        if (out == a) {
            enter();
            aa.addi(ba); // the residual connection: no new tensor at all
        } else if (out == b && b.shape().equals(a.shape())) {
            enter();
            ba.addi(aa);
        } else {
            try (NDScope _ = enterScope()) {
                store(o, aa.add(ba));
            }
        }
    }

    /** Frees every native tensor this backend made. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            ropeTables.clear(); // their tensors belong to the manager, like the constants
            constants.clear();
            manager.close();
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // helpers

    /**
     * {@return {@code value} as a native scalar tensor, made once}: an op with a Java float operand ({@code addi(eps)})
     * makes a native scalar for it on every call, which measured as slow as the arithmetic itself.
     */
    private NDArray constant(float value) {
        NDArray scalar = constants.get(value);
        if (scalar == null) {
            scalar = manager.create(value);
            NDScope.unregister(scalar); // kept beyond the op that made it
            constants.put(value, scalar);
        }
        return scalar;
    }

    /** {@return how many native arrays this backend holds right now}; tests use it to prove that ops free theirs. */
    synchronized int liveArrays() {
        return manager.getManagedArrays().size();
    }

    /** Starts an op: checks that the backend is open and gives PyTorch this backend's thread count on this thread. */
    private void enter() {
        checkState(!closed, "backend '%s' is closed", NAME);
        useThreads(threads);
    }

    /**
     * {@return a scope for an op that makes native arrays}, after {@link #enter}: closed by the op's
     * try-with-resources, it frees every array made meanwhile except those moved into a tensor ({@link #store}) or
     * unregistered. A try block, not a method taking the op's body as a lambda: a capturing lambda measured 24 bytes
     * more per call wherever the JIT did not inline the method taking it.
     */
    private NDScope enterScope() {
        enter();
        return new NDScope();
    }

    /**
     * Makes PyTorch run the ops of the calling thread on {@code count} intra-op threads, until the next change. The
     * setting is process-wide state, per thread, left as it is when an op returns (restoring it would cost a native
     * call per op). That is safe for the backends: every op of every DjlBackend sets its own count first
     * ({@link #enter}); only PyTorch code run outside them on the same thread sees the count of the last op.
     */
    private static void useThreads(int count) {
        int[] set = THREADS_SET.get();
        if (set[0] != count) {
            JniUtils.setNumThreads(count);
            set[0] = count;
        }
    }

    /** {@return {@code t} as this backend's tensor}, or an IllegalArgumentException naming both backends. */
    private DjlTensor tensor(Tensor t, String role) {
        checkState(!closed, "backend '%s' is closed", NAME);
        if (!(t instanceof DjlTensor d && d.owner() == this)) {
            throw OpChecks.foreignTensor(role, t, NAME);
        }
        checkState(!d.isClosed(), "%s is closed", role);
        return d;
    }

    /** {@return {@code x · wᵀ + bias} (bias may be null): torch's linear, which reads w [d, n] row by row} */
    private static NDArray linear(NDArray x, NDArray w, NDArray bias) {
        return x.getNDArrayInternal().linear(x, w, bias).singletonOrThrow();
    }

    /** {@return elements {@code from..to-1} of {@code a} along {@code dim}, a view} */
    static NDArray slice(NDArray a, int dim, long from, long to) {
        // One native call: an NDIndex (a.get(...)) takes DJL's general indexing path, several native calls.
        return JniUtils.slice((PtNDArray) a, dim, from, to, 1);
    }

    /** Copies {@code value} (broadcast as PyTorch does) into rows {@code from..to-1} of {@code dst}, in place. */
    private static void putRows(NDArray dst, long from, long to, NDArray value) {
        // index_put_ of a slice, one native call; DJL's NDIndex form (dst.set(...)) takes its general path
        JniUtils.indexSet((PtNDArray) dst, (PtNDArray) value, new long[] {from}, new long[] {to}, new long[] {1});
    }

    private NDArray array(Tensor t, String role) {
        return tensor(t, role).array();
    }

    /**
     * Moves the native tensor of {@code result} into {@code out} and frees the one {@code out} held. The result must
     * already have out's shape ({@link NDArray#intern} keeps the cached shape) and must not be a view of another
     * live tensor (out would alias it).
     */
    private static void store(DjlTensor out, NDArray result) {
        checkState(result.getShape().equals(out.array().getShape()),
                "internal error: result %s for out %s", result.getShape(), out.array().getShape());
        out.array().intern(result);
    }

    /**
     * {@link #store}s {@code result} reshaped to out's shape: a reshape to that shape has it or throws, so unlike
     * {@code store} this needs no native call to read the result's shape.
     */
    private static void storeReshaped(DjlTensor out, NDArray result) {
        out.array().intern(result.reshape(djlShape(out.shape())));
    }

    private static ai.djl.ndarray.types.Shape djlShape(Shape shape) {
        long[] dims = new long[shape.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape.dim(i);
        }
        return new ai.djl.ndarray.types.Shape(dims);
    }
}
