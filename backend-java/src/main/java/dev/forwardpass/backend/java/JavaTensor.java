package dev.forwardpass.backend.java;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * A tensor of the pure-Java backends: a {@link MemorySegment} holding exactly the tensor's elements, row-major and
 * little-endian. The segment is either owned (the backend's {@link TensorMemory}, given back by {@link #close()}) or
 * a view of memory the caller owns (an uploaded weight, e.g. a slice of a mapped file).
 */
public final class JavaTensor implements Tensor {
    private final SegmentBackend owner;
    private final Shape shape;
    private final DType dtype;
    private final MemorySegment data;
    private final TensorMemory.Block block; // owns data; null for a view of the caller's memory
    private final MemorySegment viewed; // the caller's segment data views with no lifetime of its own, or null
    private volatile boolean closed;

    JavaTensor(SegmentBackend owner, Shape shape, DType dtype, MemorySegment data, TensorMemory.Block block) {
        this(owner, shape, dtype, data, block, null);
    }

    private JavaTensor(SegmentBackend owner, Shape shape, DType dtype, MemorySegment data, TensorMemory.Block block,
                       MemorySegment viewed) {
        this.owner = owner;
        this.shape = shape;
        this.dtype = dtype;
        this.data = data;
        this.block = block;
        this.viewed = viewed;
    }

    /**
     * {@return a tensor of {@code data}, a view of the caller's segment {@code viewed} that has no lifetime of its
     * own}: the tensor counts as closed once {@code viewed} is no longer alive.
     */
    static JavaTensor viewOf(SegmentBackend owner, Shape shape, DType dtype, MemorySegment data, MemorySegment viewed) {
        return new JavaTensor(owner, shape, dtype, data, null, viewed);
    }

    @Override
    public Shape shape() {
        return shape;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public String backendName() {
        return owner.name();
    }

    /** {@return the elements; valid until this tensor is closed} */
    MemorySegment data() {
        return data;
    }

    /** {@return whether {@link #close()} was called, or the memory this tensor views was freed} */
    boolean isClosed() {
        return closed || viewed != null && !viewed.scope().isAlive();
    }

    /** Frees the memory this tensor owns (a view frees nothing); closing twice does nothing more. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        owner.forget(this, block);
    }

    @Override
    public String toString() {
        return dtype + shape.toString() + " of backend '" + owner.name() + "'" + (closed ? " (closed)" : "");
    }
}
