/**
 * The kernels of the pure-Java backend, on raw {@link java.lang.foreign.MemorySegment}s of little-endian elements.
 *
 * <p>{@link dev.forwardpass.backend.java.kernels.ScalarKernels} is the plain-loop definition of every op (the test
 * oracle). The same ops are computed with the Vector API in one class per concern:
 * {@link dev.forwardpass.backend.java.kernels.MatmulKernels},
 * {@link dev.forwardpass.backend.java.kernels.Widening} (weights of every dtype as F32, embedding),
 * {@link dev.forwardpass.backend.java.kernels.Dequantization} (ggml's block types),
 * {@link dev.forwardpass.backend.java.kernels.NormKernels}, {@link dev.forwardpass.backend.java.kernels.RopeKernels},
 * {@link dev.forwardpass.backend.java.kernels.AttentionKernels},
 * {@link dev.forwardpass.backend.java.kernels.SoftmaxKernels} (attention's weights) and
 * {@link dev.forwardpass.backend.java.kernels.ElementwiseKernels}, on the vector width and the shared arithmetic of
 * {@link dev.forwardpass.backend.java.kernels.VectorMath}. {@link dev.forwardpass.backend.java.kernels.Parallel}
 * splits a kernel's rows or heads over a fixed thread pool.
 *
 * <p>Conventions, as in llama2.c: the output comes first; every segment argument has its shape in a comment; a
 * segment holds a whole tensor row-major, so element {@code [b, j]} of a {@code (B, n)} tensor is at index
 * {@code b * n + j}. Kernels trust their arguments: shapes are checked once, by the backend, before a kernel runs.
 *
 * <p>A vector kernel takes the arguments of its scalar definition and computes in F32: a vector body of
 * {@code F.loopBound(n)} elements, then a scalar tail for the rest. Its results agree with the oracle within a
 * float's rounding, not bit for bit, unless its documentation says so.
 *
 * <p>Determinism: every result of a vector kernel depends only on the inputs and the vector width, never on the JIT
 * tier or the thread. Sums are reduced across lanes by a fixed butterfly
 * ({@link dev.forwardpass.backend.java.kernels.VectorMath#sumLanes}) rather than {@code reduceLanes(ADD)}, whose order
 * is unspecified, and {@code exp} is VectorMath's own polynomial rather than the Vector API's {@code EXP}, whose
 * compiled and interpreted forms may differ in the last bit.
 *
 * <p>Allocation: vectors are loaded with {@code FloatVector.fromMemorySegment} itself, never through a helper method of
 * ours. A helper the JIT does not inline returns its vector boxed, on the heap, and the JIT does give up on small
 * methods in big callers once its budget is spent, as it was in a JVM that had run several models and backends: a
 * decode step then allocated 9-18 KB (attention scores, RoPE) where it allocates nothing otherwise.
 */
package dev.forwardpass.backend.java.kernels;
