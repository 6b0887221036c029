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
     * Softmax of n floats at byte offset xAt into byte offset outAt; out may be x. Three small loops in three methods:
     * a method that takes or returns a vector must be inlined for its vectors to stay in registers, and the JIT
     * inlines {@link VectorMath#exp(FloatVector)} into a small loop but may not into one big method.
     */
    static void softmaxRow(MemorySegment out, long outAt, MemorySegment x, long xAt, int n) {
        // find max value (for numerical stability)
        float max = max(x, xAt, n);
        // exp and sum
        float sum = expMinusMaxAndSum(out, outAt, x, xAt, n, max);
        // normalize
        scale(out, outAt, n, 1f / sum);
    }

    private static float max(MemorySegment x, long xAt, int n) {
        float max = Float.NEGATIVE_INFINITY;
        int j = 0;
        if (VECTORIZED) {
            FloatVector maxes = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                maxes = maxes.max(fromMemorySegment(F, x, xAt + (long) j * Float.BYTES, LE));
            }
            max = maxes.reduceLanes(VectorOperators.MAX); // exact in any order, unlike a sum
        }
        for (; j < n; j++) {
            max = Math.max(max, x.get(F32, xAt + (long) j * Float.BYTES));
        }
        return max;
    }

    /** out = exp(x - max); {@return the sum of out} */
    private static float expMinusMaxAndSum(MemorySegment out, long outAt, MemorySegment x, long xAt, int n, float max) {
        float sum = 0;
        int j = 0;
        if (VECTORIZED) {
            FloatVector sums = FloatVector.zero(F);
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                long o = (long) j * Float.BYTES;
                FloatVector e = exp(fromMemorySegment(F, x, xAt + o, LE).sub(max));
                e.intoMemorySegment(out, outAt + o, LE);
                sums = sums.add(e);
            }
            sum = sumLanes(sums);
        }
        for (; j < n; j++) {
            long o = (long) j * Float.BYTES;
            float e = exp(x.get(F32, xAt + o) - max);
            out.set(F32, outAt + o, e);
            sum += e;
        }
        return sum;
    }

    /** out *= factor, n floats at byte offset outAt. */
    private static void scale(MemorySegment out, long outAt, int n, float factor) {
        int j = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                long o = outAt + (long) j * Float.BYTES;
                fromMemorySegment(F, out, o, LE).mul(factor).intoMemorySegment(out, o, LE);
            }
        }
        for (; j < n; j++) {
            long o = outAt + (long) j * Float.BYTES;
            out.set(F32, o, out.get(F32, o) * factor);
        }
    }

}
