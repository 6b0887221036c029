package dev.forwardpass.backend.java;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.backend.java.kernels.ScalarKernels;
import java.lang.foreign.MemorySegment;

/**
 * Backend {@code "scalar"}: every op as the plain loop of {@link ScalarKernels}, on the calling thread. Slow, and
 * meant to be: it is the living definition of the ops, the reference the conformance suite holds every other backend
 * to, and the place to read what an op computes.
 *
 * <p>Calls from several threads may overlap, beyond what {@link dev.forwardpass.api.Backend} promises: it keeps no
 * state between calls. Its attention allocates a score buffer per call.
 */
public final class ScalarBackend extends SegmentBackend {
    /** The name this backend is found by. */
    public static final String NAME = "scalar";

    /** Creates the backend; it always computes on the calling thread alone, whatever {@code options} say. */
    public ScalarBackend(BackendOptions options) {
        super(NAME, 1);
    }

    /** Creates the backend. */
    public ScalarBackend() {
        this(BackendOptions.withThreads(1));
    }

    @Override
    void computeEmbedding(MemorySegment out, MemorySegment table, DType tableType, int[] tokens, int dim) {
        ScalarKernels.embedding(out, table, tableType, tokens, dim);
    }

    @Override
    void computeMatmul(MemorySegment out, MemorySegment w, DType wType, MemorySegment x, MemorySegment bias,
                       int batch, int n, int d) {
        ScalarKernels.matmul(out, w, wType, x, bias, batch, n, d);
    }

    @Override
    void computeRmsNorm(MemorySegment out, MemorySegment x, MemorySegment weight, int rows, int n, float eps) {
        ScalarKernels.rmsNorm(out, x, weight, rows, n, eps);
    }

    @Override
    void computeLayerNorm(MemorySegment out, MemorySegment x, MemorySegment weight, MemorySegment bias,
                          int rows, int n, float eps) {
        ScalarKernels.layerNorm(out, x, weight, bias, rows, n, eps);
    }

    @Override
    void computeRope(MemorySegment x, int rows, int width, int pos, Rope rope) {
        ScalarKernels.rope(x, rows, width, pos, rope);
    }

    @Override
    void computeAttention(MemorySegment out, MemorySegment q, MemorySegment keys, MemorySegment values,
                          int rows, int pos, AttentionShape heads) {
        ScalarKernels.attention(out, q, keys, values, rows, pos, heads);
    }

    @Override
    void computeGelu(MemorySegment out, MemorySegment x, int size) {
        ScalarKernels.gelu(out, x, size);
    }

    @Override
    void computeSwiglu(MemorySegment out, MemorySegment gate, MemorySegment up, int size) {
        ScalarKernels.swiglu(out, gate, up, size);
    }

    @Override
    void computeAdd(MemorySegment out, MemorySegment a, MemorySegment b, int size, int bSize) {
        ScalarKernels.add(out, a, b, size, bSize);
    }
}
