package dev.forwardpass.backend.java;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.backend.java.kernels.Elements;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the pure-Java backends share: tensors as memory segments ({@link JavaTensor}), the memory ops, and the
 * checking of every op's arguments, once, before a kernel sees them. A subclass supplies the kernels through the
 * {@code compute*} methods, which receive validated segments and sizes only.
 *
 * <p>Error messages name the op and the argument, e.g. {@code "matmul: x has shape [3, 7] but w [5, 8] has rows of
 * 8"}. Messages are templates, so a passing check formats nothing and boxes nothing: the per-token calls allocate
 * nothing.
 */
abstract sealed class SegmentBackend implements Backend permits JavaBackend, ScalarBackend {
    /** Owned tensors start on a cache line, so a vector load never straddles two lines. */
    private static final long ALIGNMENT = 64;

    private final String name;
    private final int threads;
    /** Tensors created and not yet closed, so that {@link #close()} frees what their users did not. */
    private final Set<JavaTensor> live = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    SegmentBackend(String name, int threads) {
        this.name = name;
        this.threads = threads;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int threads() {
        return threads;
    }

    // ----------------------------------------------------------------------------------------------------------
    // memory

    /** {@inheritDoc} The memory is native, 64-byte aligned, and freed by the tensor's {@code close()}. */
    @Override
    public final Tensor allocate(Shape shape) {
        checkOpen();
        Arena arena = Arena.ofShared(); // shared: the pool threads read and write it
        MemorySegment data = arena.allocate(Math.multiplyExact(shape.size(), (long) Float.BYTES), ALIGNMENT);
        return register(new JavaTensor(this, shape, DType.F32, data, arena));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Native memory (a mapped file, an arena's memory) is kept as a view, with no copy, in every dtype, except a
     * vector {@code [n]} of F16 or BF16: a vector can only be a norm weight or a bias, which the kernels read as F32,
     * so it is widened once, here, into a new F32 tensor (whose {@link Tensor#dtype()} is then F32). Matrices of F16
     * or BF16 (matmul weights, embedding tables) are widened on the fly by the kernels.
     *
     * <p>Heap memory ({@code MemorySegment.ofArray}) is copied into native memory: vector loads from a heap segment
     * measured twice as slow as from native memory in a matrix-vector product when mixed with native ones (the
     * accesses see two kinds of segment), and weights worth a view come from files anyway.
     */
    @Override
    public final Tensor upload(MemorySegment data, Shape shape, DType dtype) {
        checkOpen();
        long bytes = Math.multiplyExact(shape.size(), (long) dtype.byteSize());
        checkArgument(data.byteSize() == bytes, "upload: %s bytes cannot hold the %s elements of shape %s (%s bytes)",
                data.byteSize(), dtype, shape, bytes);
        if (dtype != DType.F32 && shape.rank() == 1) {
            return widenedCopy(data, shape, dtype);
        }
        if (!data.isNative()) {
            Arena arena = Arena.ofShared();
            MemorySegment copy = arena.allocate(bytes, ALIGNMENT);
            copy.copyFrom(data);
            return register(new JavaTensor(this, shape, dtype, copy, arena));
        }
        if (data.isMapped()) {
            return register(JavaTensor.viewOf(this, shape, dtype, plainView(data), data));
        }
        return register(new JavaTensor(this, shape, dtype, data, null));
    }

    /**
     * {@return the memory of a mapped segment as a plain native segment}. The kernels then see a single class of
     * segment: when the vector loads of one kernel meet both a mapped segment (the weights) and a plain one (the
     * activations), the JIT no longer compiles them to single instructions: a register-tiled matmul measured 1.5 times
     * slower in this backend, and 20 times slower in a microbenchmark. The view has no lifetime of its own (it is a
     * restricted operation, hence the {@code --enable-native-access} the backend needs anyway for the Vector API's
     * native memory): its tensor checks that {@code mapped} is still alive before every op, see
     * {@link JavaTensor#isClosed()}.
     */
    private static MemorySegment plainView(MemorySegment mapped) {
        return MemorySegment.ofAddress(mapped.address()).reinterpret(mapped.byteSize());
    }

    private Tensor widenedCopy(MemorySegment data, Shape shape, DType dtype) {
        Arena arena = Arena.ofShared();
        MemorySegment floats = arena.allocate(shape.size() * Float.BYTES, ALIGNMENT);
        for (long i = 0; i < shape.size(); i++) {
            Elements.setFloat(floats, i, Elements.read(data, i, dtype));
        }
        return register(new JavaTensor(this, shape, DType.F32, floats, arena));
    }

    /** {@inheritDoc} Tensors of F16 or BF16 are widened to F32. */
    @Override
    public final void copyTo(Tensor src, float[] dst) {
        JavaTensor s = own(src, "copyTo: src");
        checkArgument(dst.length == s.shape().size(), "copyTo: dst holds %s floats, src %s does not", dst.length, s);
        if (s.dtype() == DType.F32) {
            MemorySegment.copy(s.data(), Elements.F32, 0, dst, 0, dst.length);
        } else {
            for (int i = 0; i < dst.length; i++) {
                dst[i] = Elements.read(s.data(), i, s.dtype());
            }
        }
    }

    @Override
    public final void copyRows(Tensor dst, int dstRow, Tensor src, int srcRow, int rows) {
        JavaTensor d = activation(dst, "copyRows: dst");
        JavaTensor s = activation(src, "copyRows: src");
        checkArgument(d.shape().rank() <= 2 && s.shape().rank() <= 2 && s.shape().columns() == d.shape().columns(),
                "copyRows: dst %s and src %s must be [n] or [R, n] with the same n", d.shape(), s.shape());
        checkArgument(rows >= 1, "copyRows: rows must be >= 1, found %s", rows);
        if (srcRow < 0 || srcRow > s.shape().rows() - rows) {
            throw new IllegalArgumentException("copyRows: " + rows + " rows from row " + srcRow
                    + " are not rows of src " + s.shape());
        }
        if (dstRow < 0 || dstRow > d.shape().rows() - rows) {
            throw new IllegalArgumentException("copyRows: " + rows + " rows starting at row " + dstRow
                    + " do not fit in dst " + d.shape());
        }
        long rowBytes = (long) d.shape().columns() * Float.BYTES;
        MemorySegment.copy(s.data(), srcRow * rowBytes, d.data(), dstRow * rowBytes, rows * rowBytes);
    }

    // ----------------------------------------------------------------------------------------------------------
    // ops: validate, then compute

    @Override
    public final void embedding(Tensor out, Tensor table, int[] tokens) {
        JavaTensor o = activation(out, "embedding: out");
        JavaTensor t = weight(table, "embedding: table");
        checkArgument(o.shape().rank() <= 2, "embedding: out must be [dim] or [B, dim], found %s", o.shape());
        checkArgument(t.shape().rank() == 2, "embedding: table must be [vocab, dim], found %s", t.shape());
        checkArgument(o.shape().columns() == t.shape().columns(),
                "embedding: out %s and table %s differ in dim", o.shape(), t.shape());
        checkArgument(tokens.length == o.shape().rows(),
                "embedding: %s tokens given for out of shape %s (one token per row)", tokens.length, o.shape());
        int vocab = t.shape().rows();
        for (int token : tokens) {
            if (token < 0 || token >= vocab) {
                throw new IllegalArgumentException(
                        "embedding: token " + token + " is outside the table's vocabulary [0, " + vocab + ")");
            }
        }
        computeEmbedding(o.data(), t.data(), t.dtype(), tokens, t.shape().columns());
    }

    @Override
    public final void matmul(Tensor out, Tensor w, Tensor x, Tensor bias) {
        JavaTensor o = activation(out, "matmul: out");
        JavaTensor ww = weight(w, "matmul: w");
        JavaTensor xx = activation(x, "matmul: x");
        Shape ws = ww.shape();
        Shape xs = xx.shape();
        checkArgument(ws.rank() == 2, "matmul: w must be [d, n], found %s", ws);
        checkArgument(xs.rank() <= 2 && xs.columns() == ws.columns(),
                "matmul: x must be [n] or [B, n] with the n of w %s, found %s", ws, xs);
        checkArgument(o.shape().rank() == xs.rank() && o.shape().rows() == xs.rows() && o.shape().columns() == ws.rows(),
                "matmul: out %s does not fit x %s and w %s (out is [d] or [B, d] like x)", o.shape(), xs, ws);
        checkArgument(o != xx, "matmul: out must not be x");
        MemorySegment b = null;
        if (bias != null) {
            JavaTensor bb = activation(bias, "matmul: bias");
            checkArgument(bb.shape().rank() == 1 && bb.shape().columns() == ws.rows(),
                    "matmul: bias must be [d] for w %s, found %s", ws, bb.shape());
            b = bb.data();
        }
        computeMatmul(o.data(), ww.data(), ww.dtype(), xx.data(), b, xs.rows(), ws.columns(), ws.rows());
    }

    @Override
    public final void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        JavaTensor o = activation(out, "rmsNorm: out");
        JavaTensor xx = activation(x, "rmsNorm: x");
        checkSameShape(o, xx, "rmsNorm: out and x");
        MemorySegment w = rowVector(weight, xx, "rmsNorm: weight");
        checkEps(eps, "rmsNorm");
        computeRmsNorm(o.data(), xx.data(), w, xx.shape().rows(), xx.shape().columns(), eps);
    }

    @Override
    public final void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        JavaTensor o = activation(out, "layerNorm: out");
        JavaTensor xx = activation(x, "layerNorm: x");
        checkSameShape(o, xx, "layerNorm: out and x");
        MemorySegment w = rowVector(weight, xx, "layerNorm: weight");
        MemorySegment b = rowVector(bias, xx, "layerNorm: bias");
        checkEps(eps, "layerNorm");
        computeLayerNorm(o.data(), xx.data(), w, b, xx.shape().rows(), xx.shape().columns(), eps);
    }

    @Override
    public final void rope(Tensor x, int pos, Rope rope) {
        JavaTensor xx = activation(x, "rope: x");
        Shape xs = xx.shape();
        checkArgument(xs.rank() <= 2 && xs.columns() % rope.headSize() == 0,
                "rope: x must be [nHeads * headSize] or [B, nHeads * headSize] with headSize %s, found %s",
                rope.headSize(), xs);
        checkPositions(pos, xs.rows(), "rope");
        computeRope(xx.data(), xs.rows(), xs.columns(), pos, rope);
    }

    @Override
    public final void attention(Tensor out, Tensor q, Tensor keys, Tensor values, int pos, AttentionShape heads) {
        JavaTensor o = activation(out, "attention: out");
        JavaTensor qq = activation(q, "attention: q");
        JavaTensor k = activation(keys, "attention: keys");
        JavaTensor v = activation(values, "attention: values");
        Shape qs = qq.shape();
        checkArgument(qs.rank() <= 2 && qs.columns() == heads.queryDim(),
                "attention: q must be [queryDim] or [B, queryDim] for %s, found %s", heads, qs);
        checkSameShape(o, qq, "attention: out and q");
        checkArgument(o != qq, "attention: out must not be q");
        checkArgument(k.shape().rank() == 2 && k.shape().columns() == heads.kvDim(),
                "attention: keys must be [seqLen, kvDim] for %s, found %s", heads, k.shape());
        checkSameShape(k, v, "attention: keys and values");
        checkPositions(pos, qs.rows(), "attention");
        checkArgument(pos + qs.rows() <= k.shape().rows(),
                "attention: positions up to %s do not fit in a cache of %s rows", pos + qs.rows() - 1, k.shape().rows());
        computeAttention(o.data(), qq.data(), k.data(), v.data(), qs.rows(), pos, heads);
    }

    @Override
    public final void gelu(Tensor out, Tensor x) {
        JavaTensor o = activation(out, "gelu: out");
        JavaTensor xx = activation(x, "gelu: x");
        checkSameShape(o, xx, "gelu: out and x");
        computeGelu(o.data(), xx.data(), size(xx));
    }

    @Override
    public final void swiglu(Tensor out, Tensor gate, Tensor up) {
        JavaTensor o = activation(out, "swiglu: out");
        JavaTensor g = activation(gate, "swiglu: gate");
        JavaTensor u = activation(up, "swiglu: up");
        checkSameShape(o, g, "swiglu: out and gate");
        checkSameShape(g, u, "swiglu: gate and up");
        computeSwiglu(o.data(), g.data(), u.data(), size(g));
    }

    @Override
    public final void add(Tensor out, Tensor a, Tensor b) {
        JavaTensor o = activation(out, "add: out");
        JavaTensor aa = activation(a, "add: a");
        JavaTensor bb = activation(b, "add: b");
        checkSameShape(o, aa, "add: out and a");
        boolean oneRow = bb.shape().rank() == 1 && bb.shape().columns() == aa.shape().columns();
        checkArgument(bb.shape().equals(aa.shape()) || oneRow,
                "add: b must have the shape of a %s, or be one row of it, found %s", aa.shape(), bb.shape());
        computeAdd(o.data(), aa.data(), bb.data(), size(aa), size(bb));
    }

    /** Frees every tensor still open; subclasses then stop their threads. */
    @Override
    public void close() {
        closed = true;
        for (JavaTensor tensor : List.copyOf(live)) {
            tensor.close();
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // kernels, given validated arguments; shapes as in ScalarKernels, with B = rows

    abstract void computeEmbedding(MemorySegment out, MemorySegment table, DType tableType, int[] tokens, int dim);

    abstract void computeMatmul(MemorySegment out, MemorySegment w, DType wType, MemorySegment x, MemorySegment bias,
                                int batch, int n, int d);

    abstract void computeRmsNorm(MemorySegment out, MemorySegment x, MemorySegment weight, int rows, int n, float eps);

    abstract void computeLayerNorm(MemorySegment out, MemorySegment x, MemorySegment weight, MemorySegment bias,
                                   int rows, int n, float eps);

    abstract void computeRope(MemorySegment x, int rows, int width, int pos, Rope rope);

    abstract void computeAttention(MemorySegment out, MemorySegment q, MemorySegment keys, MemorySegment values,
                                   int rows, int pos, AttentionShape heads);

    abstract void computeGelu(MemorySegment out, MemorySegment x, int size);

    abstract void computeSwiglu(MemorySegment out, MemorySegment gate, MemorySegment up, int size);

    abstract void computeAdd(MemorySegment out, MemorySegment a, MemorySegment b, int size, int bSize);

    // ----------------------------------------------------------------------------------------------------------
    // argument checks

    /** Called by a tensor that was closed, so that {@link #close()} does not close it again. */
    final void forget(JavaTensor tensor) {
        live.remove(tensor);
    }

    private JavaTensor register(JavaTensor tensor) {
        live.add(tensor);
        return tensor;
    }

    private void checkOpen() {
        checkState(!closed, "backend '%s' is closed", name);
    }

    /** {@return the tensor as one of ours}, or fails naming both backends. */
    private JavaTensor own(Tensor tensor, String role) {
        checkArgument(tensor.backendName().equals(name) && tensor instanceof JavaTensor,
                "%s is a tensor of backend '%s'; backend '%s' cannot use it", role, tensor.backendName(), name);
        JavaTensor ours = (JavaTensor) tensor;
        checkState(!ours.isClosed(), "%s was closed, or the memory it views was freed", role);
        return ours;
    }

    /** {@return an F32 tensor of ours}: activations, and weights read as F32 (norm weights, biases). */
    private JavaTensor activation(Tensor tensor, String role) {
        JavaTensor ours = own(tensor, role);
        checkArgument(ours.dtype() == DType.F32, "%s must be F32, found %s", role, ours.dtype());
        return ours;
    }

    /** {@return a weight matrix of ours}: every dtype is supported, the kernels widen F16 and BF16. */
    private JavaTensor weight(Tensor tensor, String role) {
        return own(tensor, role);
    }

    /** {@return the data of a [n] F32 tensor, n being the row length of x}: a norm's weight or bias. */
    private MemorySegment rowVector(Tensor tensor, JavaTensor x, String role) {
        JavaTensor ours = activation(tensor, role);
        checkArgument(ours.shape().rank() == 1 && ours.shape().columns() == x.shape().columns(),
                "%s must be [n] for x %s, found %s", role, x.shape(), ours.shape());
        return ours.data();
    }

    private static void checkSameShape(JavaTensor a, JavaTensor b, String roles) {
        checkArgument(a.shape().equals(b.shape()), "%s must have the same shape, found %s and %s",
                roles, a.shape(), b.shape());
    }

    private static void checkPositions(int pos, int rows, String op) {
        checkArgument(pos >= 0, "%s: pos must be >= 0, found %s", op, pos);
        checkArgument(pos <= Integer.MAX_VALUE - rows, "%s: positions overflow from pos %s", op, pos);
    }

    private static void checkEps(float eps, String op) {
        if (!(eps >= 0 && eps < Float.POSITIVE_INFINITY)) { // an if, not a template: a float argument would be boxed
            throw new IllegalArgumentException(op + ": eps must be finite and >= 0, found " + eps);
        }
    }

    private static int size(JavaTensor tensor) {
        return Math.toIntExact(tensor.shape().size());
    }
}
