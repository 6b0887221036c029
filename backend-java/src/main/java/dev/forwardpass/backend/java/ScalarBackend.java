package dev.forwardpass.backend.java;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.backend.java.kernels.ScalarKernels;
import java.lang.foreign.MemorySegment;

/**
 * Backend {@code "scalar"}: every op as the plain loop of {@link ScalarKernels}, on the calling thread. Slow, and
 * meant to be: it is the living definition of the ops, the reference the conformance suite holds every other backend
 * to, and the place to read what an op computes.
 *
 * <p>Calls from several threads may overlap, beyond what {@link dev.forwardpass.api.Backend} promises: it keeps no
 * state between calls. Its attention allocates a score buffer per call (and per row, with a cache per row).
 */
public final class ScalarBackend extends SegmentBackend {
    /** The name this backend is found by. */
    public static final String NAME = "scalar";

    /** Creates the backend; it always computes on the calling thread alone, whatever {@code options} say. */
    public ScalarBackend(BackendOptions options) {
        super(NAME, 1, RowKernels.SCALAR);
    }

    /** Creates the backend. */
    public ScalarBackend() {
        this(BackendOptions.withThreads(1));
    }

    @Override
    void computeMatmul(MemorySegment out, MemorySegment w, DType wType, MemorySegment x, MemorySegment bias,
                       int batch, int n, int d) {
        ScalarKernels.matmul(out, w, wType, x, bias, batch, n, d);
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
    void computeRope(MemorySegment x, int width, int[] positions, Rope rope) {
        ScalarKernels.rope(x, width, positions, rope);
    }

    @Override
    void computeAttention(MemorySegment out, MemorySegment q, Tensor[] keys, Tensor[] values, int[] positions,
                          AttentionShape heads) {
        MemorySegment[] keySegments = new MemorySegment[positions.length];
        MemorySegment[] valueSegments = new MemorySegment[positions.length];
        for (int b = 0; b < positions.length; b++) {
            keySegments[b] = segment(keys[b]);
            valueSegments[b] = segment(values[b]);
        }
        ScalarKernels.attention(out, q, keySegments, valueSegments, positions, heads);
    }
}
