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
     * The softmax of n floats at byte offset xAt, each divided by {@code divisor} (positive) first (attention scores by
     * the square root of the head size), but its last step: out = exp(x / divisor - max) at byte offset outAt, and
     * {@return the factor 1 / sum(out)} that makes them the softmax}. The caller multiplies each weight by it where it
     * reads the weight: a pass of its own over a row of a few vectors cost as much as the exponentials, as its loads
     * waited on the stores just made. Each quotient is the IEEE quotient of its element, the same bits in a vector
     * lane as in scalar code. Two small loops in two methods: a method that takes or returns a vector must be inlined
     * for its vectors to stay in registers, and the JIT inlines {@link VectorMath#exp(FloatVector)} into a small loop
     * but may not into one big method.
     *
     * <p>The elements past the last whole vector are one more vector, not a scalar loop: attention rows are short (a
     * prompt's row t has t + 1 scores), and a scalar {@link VectorMath#exp(float)} per tail element cost a prefill of
     * stories260K a tenth of its attention. So x and out must hold whole vectors: n rounded up to a multiple of F's
     * lanes (the lanes past n are read and written, never used). exp is the same function in a lane as in scalar code,
     * so the bits are those of the scalar tail; the sum still adds the tail's elements one by one, after the lanes.
     */
    static float unnormalizedSoftmax(MemorySegment out, long outAt, MemorySegment x, long xAt, int n,
                                     float divisor) {
        float max = divideAndMax(out, outAt, x, xAt, n, divisor); // the max, for numerical stability
        return 1f / expMinusMaxAndSum(out, outAt, n, max);
    }

    /** out = x / divisor; {@return the max of out} */
    private static float divideAndMax(MemorySegment out, long outAt, MemorySegment x, long xAt, int n, float divisor) {
        float max = Float.NEGATIVE_INFINITY;
        int j = 0;
        if (VECTORIZED) {
            FloatVector maxes = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                long o = (long) j * Float.BYTES;
                FloatVector quotients = fromMemorySegment(F, x, xAt + o, LE).div(divisor);
                quotients.intoMemorySegment(out, outAt + o, LE);
                maxes = maxes.max(quotients);
            }
            max = maxes.reduceLanes(VectorOperators.MAX); // exact in any order, unlike a sum
            if (j < n) {
                // the tail's max in scalar code, as the lanes past n hold anything (no mask: a mask the JIT leaves
                // out of line is an object a row), divided once: rounding is monotonic, so the largest quotient is
                // the largest element's; then the tail's quotients for the next pass, as one vector (out may be x)
                long o = (long) j * Float.BYTES;
                float tailMax = Float.NEGATIVE_INFINITY;
                for (int k = j; k < n; k++) {
                    tailMax = Math.max(tailMax, x.get(F32, xAt + (long) k * Float.BYTES));
                }
                max = Math.max(max, tailMax / divisor);
                fromMemorySegment(F, x, xAt + o, LE).div(divisor).intoMemorySegment(out, outAt + o, LE);
                return max;
            }
        }
        for (; j < n; j++) {
            long o = (long) j * Float.BYTES;
            float quotient = x.get(F32, xAt + o) / divisor;
            out.set(F32, outAt + o, quotient);
            max = Math.max(max, quotient);
        }
        return max;
    }

    /** out = exp(out - max), n floats at byte offset outAt; {@return the sum of out}: the lanes, then the tail */
    private static float expMinusMaxAndSum(MemorySegment out, long outAt, int n, float max) {
        float sum = 0;
        int j = 0;
        if (VECTORIZED) {
            FloatVector sums = FloatVector.zero(F);
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                long o = outAt + (long) j * Float.BYTES;
                FloatVector e = exp(fromMemorySegment(F, out, o, LE).sub(max));
                e.intoMemorySegment(out, o, LE);
                sums = sums.add(e);
            }
            sum = sumLanes(sums);
            if (j < n) {
                long o = outAt + (long) j * Float.BYTES;
                exp(fromMemorySegment(F, out, o, LE).sub(max)).intoMemorySegment(out, o, LE);
                for (; j < n; j++) {
                    sum += out.get(F32, outAt + (long) j * Float.BYTES);
                }
            }
        }
        for (; j < n; j++) {
            long o = outAt + (long) j * Float.BYTES;
            float e = exp(out.get(F32, o) - max);
            out.set(F32, o, e);
            sum += e;
        }
        return sum;
    }
}
