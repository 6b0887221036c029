package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static dev.forwardpass.backend.java.kernels.VectorMath.VECTORIZED;
import static dev.forwardpass.backend.java.kernels.VectorMath.dot;
import static dev.forwardpass.backend.java.kernels.VectorMath.sumLanes;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** RMSNorm and LayerNorm of each row, with the Vector API. */
public final class NormKernels {
    private NormKernels() {}

    /**
     * RMSNorm of each row, as llama2.c: out = weight * x / sqrt(mean(x²) + eps).
     *
     * @param out (B, n), may be x
     * @param x (B, n)
     * @param weight (n,)
     */
    public static void rmsNorm(MemorySegment out, MemorySegment x, MemorySegment weight, int rows, int n, float eps) {
        for (int b = 0; b < rows; b++) {
            long row = (long) b * n * Float.BYTES;
            float sumOfSquares = dot(x, row, x, row, n);
            float scale = 1f / (float) Math.sqrt(sumOfSquares / n + eps);
            int j = 0;
            if (VECTORIZED) {
                for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                    long o = (long) j * Float.BYTES;
                    fromMemorySegment(F, weight, o, LE).mul(fromMemorySegment(F, x, row + o, LE).mul(scale)).intoMemorySegment(out, row + o, LE);
                }
            }
            for (; j < n; j++) {
                long o = (long) j * Float.BYTES;
                out.set(F32, row + o, weight.get(F32, o) * (x.get(F32, row + o) * scale));
            }
        }
    }

    /**
     * LayerNorm of each row: out = (x - mean) / sqrt(var + eps) * weight + bias (biased variance, two passes).
     *
     * @param out (B, n), may be x
     * @param x (B, n)
     * @param weight (n,)
     * @param bias (n,)
     */
    public static void layerNorm(MemorySegment out, MemorySegment x, MemorySegment weight, MemorySegment bias,
                                 int rows, int n, float eps) {
        for (int b = 0; b < rows; b++) {
            long row = (long) b * n * Float.BYTES;
            float mean = sum(x, row, n) / n;
            float variance = sumOfSquaredDeviations(x, row, n, mean) / n;
            float rstd = 1f / (float) Math.sqrt(variance + eps);
            int j = 0;
            if (VECTORIZED) {
                for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                    long o = (long) j * Float.BYTES;
                    FloatVector normalized = fromMemorySegment(F, x, row + o, LE).sub(mean).mul(rstd);
                    normalized.fma(fromMemorySegment(F, weight, o, LE), fromMemorySegment(F, bias, o, LE)).intoMemorySegment(out, row + o, LE);
                }
            }
            for (; j < n; j++) {
                long o = (long) j * Float.BYTES;
                float normalized = (x.get(F32, row + o) - mean) * rstd;
                out.set(F32, row + o, Math.fma(normalized, weight.get(F32, o), bias.get(F32, o)));
            }
        }
    }

    private static float sum(MemorySegment x, long offset, int n) {
        float s = 0;
        int j = 0;
        if (VECTORIZED) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                acc = acc.add(fromMemorySegment(F, x, offset + (long) j * Float.BYTES, LE));
            }
            s = sumLanes(acc);
        }
        for (; j < n; j++) {
            s += x.get(F32, offset + (long) j * Float.BYTES);
        }
        return s;
    }

    private static float sumOfSquaredDeviations(MemorySegment x, long offset, int n, float mean) {
        float s = 0;
        int j = 0;
        if (VECTORIZED) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                FloatVector v = fromMemorySegment(F, x, offset + (long) j * Float.BYTES, LE).sub(mean);
                acc = v.fma(v, acc);
            }
            s = sumLanes(acc);
        }
        for (; j < n; j++) {
            float v = x.get(F32, offset + (long) j * Float.BYTES) - mean;
            s = Math.fma(v, v, s);
        }
        return s;
    }
}
