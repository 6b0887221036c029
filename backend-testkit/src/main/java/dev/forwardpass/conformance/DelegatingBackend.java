package dev.forwardpass.conformance;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * A backend that forwards every call to another; a test overrides the op it wants to break or observe (the
 * conformance suite's own test runs it against the reference with RoPE turned the wrong way).
 */
public class DelegatingBackend implements Backend {
    private final Backend delegate;

    /** Creates a backend that forwards to {@code delegate}, closing it on {@link #close()}. */
    public DelegatingBackend(Backend delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public int threads() {
        return delegate.threads();
    }

    @Override
    public boolean supports(DType dtype) {
        return delegate.supports(dtype);
    }

    @Override
    public Tensor allocate(Shape shape) {
        return delegate.allocate(shape);
    }

    @Override
    public Tensor upload(MemorySegment data, Shape shape, DType dtype) {
        return delegate.upload(data, shape, dtype);
    }

    @Override
    public void copyTo(Tensor src, float[] dst) {
        delegate.copyTo(src, dst);
    }

    @Override
    public void copyRows(Tensor dst, int dstRow, Tensor src, int srcRow, int rows) {
        delegate.copyRows(dst, dstRow, src, srcRow, rows);
    }

    @Override
    public void embedding(Tensor out, Tensor table, int[] tokens) {
        delegate.embedding(out, table, tokens);
    }

    @Override
    public void matmul(Tensor out, Tensor w, Tensor x, Tensor bias) {
        delegate.matmul(out, w, x, bias);
    }

    @Override
    public void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        delegate.rmsNorm(out, x, weight, eps);
    }

    @Override
    public void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        delegate.layerNorm(out, x, weight, bias, eps);
    }

    @Override
    public void rope(Tensor x, int pos, Rope rope) {
        delegate.rope(x, pos, rope);
    }

    @Override
    public void attention(Tensor out, Tensor q, Tensor keys, Tensor values, int pos, AttentionShape heads) {
        delegate.attention(out, q, keys, values, pos, heads);
    }

    @Override
    public void rope(Tensor x, int[] positions, Rope rope) {
        delegate.rope(x, positions, rope);
    }

    @Override
    public void attention(Tensor out, Tensor q, Tensor[] keys, Tensor[] values, int[] positions,
                          AttentionShape heads) {
        delegate.attention(out, q, keys, values, positions, heads);
    }

    @Override
    public void gelu(Tensor out, Tensor x) {
        delegate.gelu(out, x);
    }

    @Override
    public void swiglu(Tensor out, Tensor gate, Tensor up) {
        delegate.swiglu(out, gate, up);
    }

    @Override
    public void add(Tensor out, Tensor a, Tensor b) {
        delegate.add(out, a, b);
    }



    @Override
    public void close() {
        delegate.close();
    }
}
