package dev.forwardpass.backend.java;

import static com.google.common.base.Preconditions.checkState;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.api.quant.Dequantizer;
import dev.forwardpass.api.spi.OpChecks;
import dev.forwardpass.backend.java.kernels.Elements;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the pure-Java backends share: tensors as memory segments ({@link JavaTensor}), the memory ops, the checking of
 * every op's arguments ({@link OpChecks}), once, before a kernel sees them, and the ops that run row by row on the
 * calling thread, with the kernel set a subclass hands over ({@link RowKernels}). A subclass runs matmul, RoPE and
 * attention its own way, through the {@code compute*} methods; kernels receive validated segments and sizes only.
 *
 * <p>Beyond {@link Backend}'s contract, calls from several threads may overlap: the tensor registry is concurrent and
 * the kernels keep no state between calls (a subclass that shares state across calls guards it).
 */
abstract sealed class SegmentBackend implements Backend permits JavaBackend, ScalarBackend {
    private final String name;
    private final int threads;
    private final RowKernels kernels;
    /** Tensors created and not yet closed, so that {@link #close()} frees what their users did not. */
    private final Set<JavaTensor> live = ConcurrentHashMap.newKeySet();
    private final TensorMemory memory = new TensorMemory();
    private volatile boolean closed;

    SegmentBackend(String name, int threads, RowKernels kernels) {
        this.name = name;
        this.threads = threads;
        this.kernels = kernels;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int threads() {
        return threads;
    }

    /** {@inheritDoc} The kernels read weights as they are stored, widening or dequantizing as they go. */
    @Override
    public boolean supports(DType dtype) {
        return true;
    }

    // ----------------------------------------------------------------------------------------------------------
    // memory

    /** {@inheritDoc} The memory is native, 64-byte aligned, and freed by the tensor's {@code close()}. */
    @Override
    public final Tensor allocate(Shape shape) {
        checkOpen();
        return owned(shape, DType.F32, Math.multiplyExact(shape.size(), (long) Float.BYTES));
    }

    /**
     * {@inheritDoc}
     *
     * <p>A vector {@code [n]} of F16 or BF16 is widened once, here, into a new F32 tensor (whose
     * {@link Tensor#dtype()} is then F32): a vector can only be a norm weight or a bias, which the kernels read as F32.
     * Matrices of F16 or BF16 (matmul weights, embedding tables) are widened on the fly by the kernels.
     *
     * <p>A mapped file's memory (weights) is copied, packed onto huge pages ({@link HugePages}): a decode step streams
     * all of it, and the page cache maps it on 4 KiB pages. Heap memory ({@code MemorySegment.ofArray}) is copied into
     * native memory too: vector loads from a heap segment measured twice as slow as from native memory in a
     * matrix-vector product when mixed with native ones (the accesses see two kinds of segment). Mapped weights past
     * half the machine's memory, counting every model of the process ({@link TensorMemory#PACKED_LIMIT}), stay in the
     * file, viewed without a copy, as does other native memory (an arena's): a model that the page cache can hold but
     * not twice still runs, and so do several models at once.
     */
    @Override
    public final Tensor upload(MemorySegment data, Shape shape, DType dtype) {
        checkOpen();
        OpChecks.checkUpload(this, data, shape, dtype);
        if (dtype != DType.F32 && shape.rank() == 1) {
            return widenedCopy(data, shape, dtype);
        }
        if (!data.isNative()) {
            JavaTensor copy = owned(shape, dtype, data.byteSize());
            copy.data().copyFrom(data);
            return copy;
        }
        if (data.isMapped()) {
            TensorMemory.Block block = memory.allocatePacked(data.byteSize());
            if (block != null) {
                block.memory().copyFrom(data);
                return register(new JavaTensor(this, shape, dtype, block.memory(), block));
            }
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
        int n = shape.columns();
        JavaTensor floats = owned(shape, DType.F32, (long) n * Float.BYTES);
        MemorySegment.copy(Dequantizer.dequantize(dtype, data, 0, n), 0, floats.data(), Elements.F32, 0, n);
        return floats;
    }

    /** {@inheritDoc} Tensors of other dtypes are widened or dequantized to F32. */
    @Override
    public final void copyTo(Tensor src, float[] dst) {
        JavaTensor s = own(src, "copyTo: src");
        OpChecks.checkCopyTo(src, dst);
        if (s.dtype() == DType.F32) {
            MemorySegment.copy(s.data(), Elements.F32, 0, dst, 0, dst.length);
        } else {
            Dequantizer.dequantize(s.dtype(), s.data(), 0, dst, 0, dst.length);
        }
    }

    @Override
    public final void copyRows(Tensor dst, int dstRow, Tensor src, int srcRow, int rows) {
        OpChecks.checkCopyRows(dst, dstRow, src, srcRow, rows);
        long rowBytes = (long) dst.shape().columns() * Float.BYTES;
        MemorySegment.copy(data(src, "copyRows: src"), srcRow * rowBytes, data(dst, "copyRows: dst"), dstRow * rowBytes,
                rows * rowBytes);
    }

    // ----------------------------------------------------------------------------------------------------------
    // ops: check, then compute

    @Override
    public final void embedding(Tensor out, Tensor table, int[] tokens) {
        OpChecks.checkEmbedding(out, table, tokens);
        kernels.embedding().run(data(out, "embedding: out"), data(table, "embedding: table"), table.dtype(), tokens,
                table.shape().columns());
    }

    /** {@inheritDoc} A vector's F16 or BF16 was widened by {@link #upload}, so the kernels read {@code bias} as F32. */
    @Override
    public final void matmul(Tensor out, Tensor w, Tensor x, Tensor bias) {
        OpChecks.checkMatmul(out, w, x, bias);
        computeMatmul(data(out, "matmul: out"), data(w, "matmul: w"), w.dtype(), data(x, "matmul: x"),
                bias == null ? null : data(bias, "matmul: bias"), x.shape().rows(), w.shape().columns(),
                w.shape().rows());
    }

    @Override
    public final void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        OpChecks.checkRmsNorm(out, x, weight, eps);
        kernels.rmsNorm().run(data(out, "rmsNorm: out"), data(x, "rmsNorm: x"), data(weight, "rmsNorm: weight"),
                x.shape().rows(), x.shape().columns(), eps);
    }

    @Override
    public final void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        OpChecks.checkLayerNorm(out, x, weight, bias, eps);
        kernels.layerNorm().run(data(out, "layerNorm: out"), data(x, "layerNorm: x"),
                data(weight, "layerNorm: weight"), data(bias, "layerNorm: bias"), x.shape().rows(), x.shape().columns(),
                eps);
    }

    @Override
    public final void rope(Tensor x, int pos, Rope rope) {
        OpChecks.checkRope(x, pos, rope);
        computeRope(data(x, "rope: x"), x.shape().rows(), x.shape().columns(), pos, rope);
    }

    @Override
    public final void attention(Tensor out, Tensor q, Tensor keys, Tensor values, int pos, AttentionShape heads) {
        OpChecks.checkAttention(out, q, keys, values, pos, heads);
        computeAttention(data(out, "attention: out"), data(q, "attention: q"), data(keys, "attention: keys"),
                data(values, "attention: values"), q.shape().rows(), pos, heads);
    }

    @Override
    public final void rope(Tensor x, int[] positions, Rope rope) {
        OpChecks.checkRope(x, positions, rope);
        computeRope(data(x, "rope: x"), x.shape().columns(), positions, rope);
    }

    @Override
    public final void attention(Tensor out, Tensor q, Tensor[] keys, Tensor[] values, int[] positions,
                                AttentionShape heads) {
        OpChecks.checkAttention(out, q, keys, values, positions, heads);
        for (int b = 0; b < positions.length; b++) {
            own(keys[b], "attention: keys");
            own(values[b], "attention: values");
        }
        computeAttention(data(out, "attention: out"), data(q, "attention: q"), keys, values, positions, heads);
    }

    @Override
    public final void gelu(Tensor out, Tensor x) {
        OpChecks.checkGelu(out, x);
        kernels.gelu().run(data(out, "gelu: out"), data(x, "gelu: x"), size(x));
    }

    @Override
    public final void swiglu(Tensor out, Tensor gate, Tensor up) {
        OpChecks.checkSwiglu(out, gate, up);
        kernels.swiglu().run(data(out, "swiglu: out"), data(gate, "swiglu: gate"), data(up, "swiglu: up"),
                size(gate));
    }

    @Override
    public final void add(Tensor out, Tensor a, Tensor b) {
        OpChecks.checkAdd(out, a, b);
        kernels.add().run(data(out, "add: out"), data(a, "add: a"), data(b, "add: b"), size(a), size(b));
    }

    /** Frees every tensor still open; subclasses then stop their threads. */
    @Override
    public void close() {
        closed = true;
        for (JavaTensor tensor : List.copyOf(live)) {
            tensor.close();
        }
        memory.close();
    }

    // ----------------------------------------------------------------------------------------------------------
    // the ops a subclass runs its own way, given validated arguments; shapes as in ScalarKernels, with B = rows

    abstract void computeMatmul(MemorySegment out, MemorySegment w, DType wType, MemorySegment x, MemorySegment bias,
                                int batch, int n, int d);

    abstract void computeRope(MemorySegment x, int rows, int width, int pos, Rope rope);

    abstract void computeAttention(MemorySegment out, MemorySegment q, MemorySegment keys, MemorySegment values,
                                   int rows, int pos, AttentionShape heads);

    abstract void computeRope(MemorySegment x, int width, int[] positions, Rope rope);

    /** Attention with a KV cache per row: {@code keys} and {@code values} are ours and open, see {@link #segment}. */
    abstract void computeAttention(MemorySegment out, MemorySegment q, Tensor[] keys, Tensor[] values,
                                   int[] positions, AttentionShape heads);

    /** {@return the elements of a tensor already checked to be ours and open} */
    static MemorySegment segment(Tensor tensor) {
        return ((JavaTensor) tensor).data();
    }

    // ----------------------------------------------------------------------------------------------------------
    // tensors

    /** A tensor of {@code bytes} of memory of its own, zero-filled. */
    private JavaTensor owned(Shape shape, DType dtype, long bytes) {
        TensorMemory.Block block = memory.allocate(bytes);
        return register(new JavaTensor(this, shape, dtype, block.memory().asSlice(0, bytes), block));
    }

    /**
     * Called by a tensor that was closed, with the memory it owned (or null), so that {@link #close()} does not close
     * it again and its memory serves the next tensors.
     */
    final void forget(JavaTensor tensor, TensorMemory.Block owned) {
        live.remove(tensor);
        if (owned != null) {
            memory.free(owned);
        }
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
        if (!(tensor instanceof JavaTensor ours && tensor.backendName().equals(name))) {
            throw OpChecks.foreignTensor(role, tensor, name);
        }
        checkState(!ours.isClosed(), "%s was closed, or the memory it views was freed", role);
        return ours;
    }

    /** {@return the elements of a tensor of ours}, or fails as {@link #own} does. */
    private MemorySegment data(Tensor tensor, String role) {
        return own(tensor, role).data();
    }

    private static int size(Tensor tensor) {
        return Math.toIntExact(tensor.shape().size());
    }
}
