package dev.forwardpass.api;

/**
 * An opaque handle to an array owned by a {@link Backend}: Java memory for the pure-Java backend, a native
 * tensor for a native one. Only the backend that created a tensor may read it or write it.
 */
public interface Tensor extends AutoCloseable {

    /** {@return the shape} */
    Shape shape();

    /** {@return the element type} */
    DType dtype();

    /** {@return the name of the backend that owns this tensor} */
    String backendName();

    /** Releases the memory the backend holds for this tensor; using the tensor afterwards is an error. */
    @Override
    void close();
}
