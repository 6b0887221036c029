/**
 * The pure-Java backends: {@link dev.forwardpass.backend.java.JavaBackend} ({@code "java"}: Vector API kernels on a
 * fixed thread pool) and {@link dev.forwardpass.backend.java.ScalarBackend} ({@code "scalar"}: plain loops, the
 * reference every other backend is tested against). Both hold every tensor as a
 * {@link java.lang.foreign.MemorySegment} ({@link dev.forwardpass.backend.java.JavaTensor}), so weights mapped from a
 * file are used where they lie, without a copy.
 */
package dev.forwardpass.backend.java;
