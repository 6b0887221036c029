/**
 * The kernels of the pure-Java backend, on raw {@link java.lang.foreign.MemorySegment}s of little-endian elements.
 *
 * <p>{@link dev.forwardpass.backend.java.kernels.ScalarKernels} is the plain-loop definition of every op (the test
 * oracle); {@link dev.forwardpass.backend.java.kernels.VectorKernels} computes the same ops with the Vector API; and
 * {@link dev.forwardpass.backend.java.kernels.Parallel} splits a kernel's rows or heads over a fixed thread pool.
 *
 * <p>Conventions, as in llama2.c: the output comes first; every segment argument has its shape in a comment; a
 * segment holds a whole tensor row-major, so element {@code [b, j]} of a {@code (B, n)} tensor is at index
 * {@code b * n + j}. Kernels trust their arguments: shapes are checked once, by the backend, before a kernel runs.
 */
package dev.forwardpass.backend.java.kernels;
