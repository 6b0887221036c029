package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static dev.forwardpass.backend.java.kernels.VectorMath.VECTORIZED;
import static dev.forwardpass.backend.java.kernels.VectorMath.exp;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** The elementwise ops with the Vector API: the activations GELU and SwiGLU, and addition. */
public final class ElementwiseKernels {
    /** GELU's tanh approximation: tanh(sqrt(2/π) (x + 0.044715 x³)). */
    private static final float GELU_CUBIC = 0.044715f;
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    private ElementwiseKernels() {}

    /**
     * GELU, tanh approximation: out = 0.5 x (1 + tanh(y)) with y = sqrt(2/π) (x + 0.044715 x³), computed as the
     * identical x / (1 + exp(-2y)), which has no cancellation near zero.
     *
     * @param out (size,), may be x
     * @param x (size,)
     */
    public static void gelu(MemorySegment out, MemorySegment x, int size) {
        int i = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(size); i < bound; i += F.length()) {
                long o = (long) i * Float.BYTES;
                FloatVector v = fromMemorySegment(F, x, o, LE);
                FloatVector y = v.mul(v).mul(v).mul(GELU_CUBIC).add(v).mul(SQRT_2_OVER_PI);
                v.div(exp(y.mul(-2f)).add(1f)).intoMemorySegment(out, o, LE);
            }
        }
        for (; i < size; i++) {
            float v = x.getAtIndex(F32, i);
            float y = (v * v * v * GELU_CUBIC + v) * SQRT_2_OVER_PI;
            out.setAtIndex(F32, i, v / (exp(y * -2f) + 1f));
        }
    }

    /**
     * SwiGLU's gate: out = silu(gate) * up.
     *
     * @param out (size,), may be gate or up
     * @param gate (size,)
     * @param up (size,)
     */
    public static void swiglu(MemorySegment out, MemorySegment gate, MemorySegment up, int size) {
        int i = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(size); i < bound; i += F.length()) {
                long o = (long) i * Float.BYTES;
                silu(fromMemorySegment(F, gate, o, LE)).mul(fromMemorySegment(F, up, o, LE)).intoMemorySegment(out, o, LE);
            }
        }
        for (; i < size; i++) {
            out.setAtIndex(F32, i, silu(gate.getAtIndex(F32, i)) * up.getAtIndex(F32, i));
        }
    }

    private static FloatVector silu(FloatVector x) {
        return x.div(exp(x.neg()).add(1f));
    }

    private static float silu(float x) {
        return x / (exp(-x) + 1f);
    }

    /**
     * out = a + b, where b repeats every {@code bSize} elements (bSize = size, or one row added to every row).
     *
     * @param out (size,), may be a or b
     * @param a (size,)
     * @param b (bSize,), bSize divides size
     */
    public static void add(MemorySegment out, MemorySegment a, MemorySegment b, int size, int bSize) {
        for (long row = 0; row < size; row += bSize) {
            long rowAt = row * Float.BYTES;
            int i = 0;
            if (VECTORIZED) {
                for (int bound = F.loopBound(bSize); i < bound; i += F.length()) {
                    long o = (long) i * Float.BYTES;
                    fromMemorySegment(F, a, rowAt + o, LE).add(fromMemorySegment(F, b, o, LE)).intoMemorySegment(out, rowAt + o, LE);
                }
            }
            for (; i < bSize; i++) {
                long o = (long) i * Float.BYTES;
                out.set(F32, rowAt + o, a.get(F32, rowAt + o) + b.get(F32, o));
            }
        }
    }

}
