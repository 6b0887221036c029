package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static dev.forwardpass.backend.java.kernels.VectorMath.VECTORIZED;
import static dev.forwardpass.backend.java.kernels.VectorMath.exp;
import static dev.forwardpass.backend.java.kernels.VectorMath.sumLanes;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Softmax of a row with the Vector API: the attention weights of one query head. */
public final class SoftmaxKernels {
    private SoftmaxKernels() {}

    /**
     * The softmax, in place, of the n floats x at byte offset xAt, each divided by {@code divisor} (positive) first
     * (attention scores by the square root of the head size), but its last step: x becomes exp(x / divisor - max), and
     * {@return the factor 1 / sum(x) that makes them the softmax}. The caller multiplies each weight by it where it
     * reads the weight: a pass of its own over a row of a few vectors cost as much as the exponentials, as its loads
     * waited on the stores just made. Each quotient is the IEEE quotient of its element, the same bits in a vector
     * lane as in scalar code. Two small loops in two methods: a method that takes or returns a vector must be inlined
     * for its vectors to stay in registers, and the JIT inlines {@link VectorMath#exp(FloatVector)} into a small loop
     * but may not into one big method.
     *
     * <p>The elements past the last whole vector are one more vector, not a scalar loop: attention rows are short (a
     * prompt's row t has t + 1 scores), and a scalar {@link VectorMath#exp(float)} per tail element cost a prefill of
     * stories260K a tenth of its attention. So x must hold whole vectors: n rounded up to a multiple of F's
     * lanes (the lanes past n are read and written, never used). exp is the same function in a lane as in scalar code,
     * so the bits are those of the scalar tail; the sum still adds the tail's elements one by one, after the lanes.
     */
    static float unnormalizedSoftmax(MemorySegment x, long xAt, int n, float divisor) {
        float max = divideAndMax(x, xAt, n, divisor); // the max, for numerical stability
        return 1f / expMinusMaxAndSum(x, xAt, n, max);
    }

    /** x /= divisor, n floats at byte offset xAt; {@return the max of x} */
    private static float divideAndMax(MemorySegment x, long xAt, int n, float divisor) {
        float max = Float.NEGATIVE_INFINITY;
        int j = 0;
        if (VECTORIZED) {
            FloatVector maxes = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                long o = (long) j * Float.BYTES;
                FloatVector quotients = fromMemorySegment(F, x, xAt + o, LE).div(divisor);
                quotients.intoMemorySegment(x, xAt + o, LE);
                maxes = maxes.max(quotients);
            }
            max = maxes.reduceLanes(VectorOperators.MAX); // exact in any order, unlike a sum
            if (j < n) {
                // the tail's max in scalar code, as the lanes past n hold anything (no mask: a mask the JIT leaves
                // out of line is an object a row), divided once: rounding is monotonic, so the largest quotient is
                // the largest element's; then, over the elements just read, the tail's quotients as one vector
                long o = (long) j * Float.BYTES;
                float tailMax = Float.NEGATIVE_INFINITY;
                for (int k = j; k < n; k++) {
                    tailMax = Math.max(tailMax, x.get(F32, xAt + (long) k * Float.BYTES));
                }
                max = Math.max(max, tailMax / divisor);
                fromMemorySegment(F, x, xAt + o, LE).div(divisor).intoMemorySegment(x, xAt + o, LE);
                return max;
            }
        }
        for (; j < n; j++) {
            long o = (long) j * Float.BYTES;
            float quotient = x.get(F32, xAt + o) / divisor;
            x.set(F32, xAt + o, quotient);
            max = Math.max(max, quotient);
        }
        return max;
    }

    /** x = exp(x - max), n floats at byte offset xAt; {@return the sum of x}: the lanes, then the tail */
    private static float expMinusMaxAndSum(MemorySegment x, long xAt, int n, float max) {
        float sum = 0;
        int j = 0;
        if (VECTORIZED) {
            FloatVector sums = FloatVector.zero(F);
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                long o = xAt + (long) j * Float.BYTES;
                FloatVector e = exp(fromMemorySegment(F, x, o, LE).sub(max));
                e.intoMemorySegment(x, o, LE);
                sums = sums.add(e);
            }
            sum = sumLanes(sums);
            if (j < n) {
                long o = xAt + (long) j * Float.BYTES;
                exp(fromMemorySegment(F, x, o, LE).sub(max)).intoMemorySegment(x, o, LE);
                for (; j < n; j++) {
                    sum += x.get(F32, xAt + (long) j * Float.BYTES);
                }
            }
        }
        for (; j < n; j++) {
            long o = xAt + (long) j * Float.BYTES;
            float e = exp(x.get(F32, o) - max);
            x.set(F32, o, e);
            sum += e;
        }
        return sum;
    }
}
