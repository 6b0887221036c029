package dev.forwardpass.backend.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;

/**
 * A {@link DjlBackend} tensor: a handle to one native PyTorch tensor, always F32 and contiguous.
 *
 * <p>The {@link NDArray} object never changes, but an op may swap the native tensor behind it for the op's result
 * ({@link NDArray#intern}, which frees the previous native tensor at once). Ops therefore never leave an extra
 * native buffer behind, and nobody may hold on to a view of {@link #array()} across ops, except this tensor itself:
 * its {@link #headView} checks which native tensor it views.
 */
final class DjlTensor implements Tensor {
    private final DjlBackend owner;
    private final NDArray array; // shape.dims(), FLOAT32, contiguous
    private final Shape shape;
    // A view of this tensor as attention reads a key or value cache (see headView), and what it was made for
    private NDArray headView;
    private long headViewOf; // the native tensor viewed
    private int headViewKvHeads;
    private boolean headViewOfKeys;

    DjlTensor(DjlBackend owner, NDArray array, Shape shape) {
        this.owner = owner;
        this.array = array;
        this.shape = shape;
    }

    /** {@return the backend instance that made this tensor} */
    DjlBackend owner() {
        return owner;
    }

    /** {@return the native array; its handle may be replaced by the next op that writes this tensor} */
    NDArray array() {
        return array;
    }

    /**
     * {@return this {@code [seqLen, nKvHeads * headSize]} cache seen by key/value head: {@code (nKvHeads, headSize,
     * seqLen)} for keys, {@code (nKvHeads, seqLen, headSize)} for values}, a view made once and reused while the
     * native tensor behind this one stays the same (writes into the cache's rows keep it; an op that replaces it
     * makes a new view). Attention then needs one slice per call instead of a slice, a reshape and a transpose.
     */
    NDArray headView(int nKvHeads, int headSize, boolean keys) {
        long viewed = ((PtNDArray) array).getHandle();
        if (headView == null || headViewOf != viewed || headViewKvHeads != nKvHeads || headViewOfKeys != keys) {
            closeHeadView();
            NDArray byHead = array.reshape(shape.dim(0), nKvHeads, headSize);
            NDArray view = keys ? byHead.transpose(1, 2, 0) : byHead.transpose(1, 0, 2);
            NDScope.unregister(view); // kept beyond the op that made it
            headView = view;
            headViewOf = viewed;
            headViewKvHeads = nKvHeads;
            headViewOfKeys = keys;
        }
        return headView;
    }

    private void closeHeadView() {
        if (headView != null) {
            headView.close();
            headView = null;
        }
    }

    /** {@return whether {@link #close()} was called (or the owning backend closed)} */
    boolean isClosed() {
        return array.isReleased();
    }

    @Override
    public Shape shape() {
        return shape;
    }

    /** {@return {@link DType#F32}: half-precision weights are widened when they are uploaded} */
    @Override
    public DType dtype() {
        return DType.F32;
    }

    @Override
    public String backendName() {
        return DjlBackend.NAME;
    }

    /** Frees the native tensor now rather than when the backend closes; under the backend's monitor, as its ops. */
    @Override
    public void close() {
        synchronized (owner) {
            closeHeadView();
            array.close();
        }
    }

    @Override
    public String toString() {
        return "DjlTensor" + shape;
    }
}
