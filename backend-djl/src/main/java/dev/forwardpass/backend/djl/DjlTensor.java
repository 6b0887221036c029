package dev.forwardpass.backend.djl;

import ai.djl.ndarray.NDArray;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;

/**
 * A {@link DjlBackend} tensor: a handle to one native PyTorch tensor, always F32 and contiguous.
 *
 * <p>The {@link NDArray} object never changes, but an op may swap the native tensor behind it for the op's result
 * ({@link NDArray#intern}, which frees the previous native tensor at once). Ops therefore never leave an extra
 * native buffer behind, and nobody may hold on to a view of {@link #array()} across ops.
 */
final class DjlTensor implements Tensor {
    private final DjlBackend owner;
    private final NDArray array; // shape.dims(), FLOAT32, contiguous
    private final Shape shape;

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

    /** Frees the native tensor now rather than when the backend closes. */
    @Override
    public void close() {
        array.close();
    }

    @Override
    public String toString() {
        return "DjlTensor" + shape;
    }
}
