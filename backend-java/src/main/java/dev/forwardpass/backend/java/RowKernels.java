package dev.forwardpass.backend.java;

import dev.forwardpass.api.DType;
import dev.forwardpass.backend.java.kernels.ElementwiseKernels;
import dev.forwardpass.backend.java.kernels.NormKernels;
import dev.forwardpass.backend.java.kernels.ScalarKernels;
import dev.forwardpass.backend.java.kernels.Widening;
import java.lang.foreign.MemorySegment;

/**
 * One kernel set's kernels for the ops a {@link SegmentBackend} runs on the calling thread, row by row: the plain loops
 * of {@link ScalarKernels} ({@link #SCALAR}) or the Vector API kernels ({@link #VECTOR}). They receive validated
 * segments and sizes, shapes as in ScalarKernels. Matmul, RoPE and attention are not here: those each backend runs its
 * own way (the pure-Java one over its thread pool).
 *
 * @param embedding {@code out[b, :] = table[tokens[b], :]}, widening the table's dtype
 * @param rmsNorm RMSNorm of each of {@code rows} rows of {@code n}
 * @param layerNorm LayerNorm of each of {@code rows} rows of {@code n}
 * @param gelu GELU (tanh approximation) of {@code size} elements
 * @param swiglu {@code out = silu(gate) ⊙ up} over {@code size} elements
 * @param add {@code out = a + b}, {@code b} of {@code size} elements or one row of {@code bSize} added to every row
 */
record RowKernels(Embedding embedding, RmsNorm rmsNorm, LayerNorm layerNorm, Elementwise gelu, Gate swiglu, Add add) {
    /** The reference: plain loops with double accumulators. */
    static final RowKernels SCALAR = new RowKernels(ScalarKernels::embedding, ScalarKernels::rmsNorm,
            ScalarKernels::layerNorm, ScalarKernels::gelu, ScalarKernels::swiglu, ScalarKernels::add);

    /** The Vector API kernels. */
    static final RowKernels VECTOR = new RowKernels(Widening::embedding, NormKernels::rmsNorm,
            NormKernels::layerNorm, ElementwiseKernels::gelu, ElementwiseKernels::swiglu, ElementwiseKernels::add);

    /** An embedding kernel. */
    @FunctionalInterface
    interface Embedding {
        void run(MemorySegment out, MemorySegment table, DType tableType, int[] tokens, int dim);
    }

    /** An RMSNorm kernel. */
    @FunctionalInterface
    interface RmsNorm {
        void run(MemorySegment out, MemorySegment x, MemorySegment weight, int rows, int n, float eps);
    }

    /** A LayerNorm kernel. */
    @FunctionalInterface
    interface LayerNorm {
        void run(MemorySegment out, MemorySegment x, MemorySegment weight, MemorySegment bias, int rows, int n,
                 float eps);
    }

    /** A kernel of one input, elementwise. */
    @FunctionalInterface
    interface Elementwise {
        void run(MemorySegment out, MemorySegment x, int size);
    }

    /** A gated kernel of two inputs, elementwise. */
    @FunctionalInterface
    interface Gate {
        void run(MemorySegment out, MemorySegment gate, MemorySegment up, int size);
    }

    /** An addition kernel, with {@code b} the size of {@code a} or one row of it. */
    @FunctionalInterface
    interface Add {
        void run(MemorySegment out, MemorySegment a, MemorySegment b, int size, int bSize);
    }
}
