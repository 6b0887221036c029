package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static dev.forwardpass.backend.java.kernels.VectorMath.VECTORIZED;
import static dev.forwardpass.backend.java.kernels.VectorMath.dot;
import static dev.forwardpass.backend.java.kernels.VectorMath.exp;
import static dev.forwardpass.backend.java.kernels.VectorMath.sumLanes;
import static dev.forwardpass.backend.java.kernels.VectorMath.xorShuffle;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.RopeLayout;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * The ops of {@link ScalarKernels}, computed with the Vector API: a vector body of {@code F.loopBound(n)} elements and
 * a scalar tail for the rest. Same arguments, same shapes, F32 arithmetic (results agree with the oracle within a
 * float's rounding, not bit for bit).
 *
 * <p>The vector width is {@link VectorMath}'s.
 *
 * <p>Determinism: every result depends only on the inputs and the vector width, never on the JIT tier or the thread.
 * Sums are reduced across lanes by a fixed butterfly ({@link VectorMath#sumLanes}) rather than
 * {@code reduceLanes(ADD)}, whose order is unspecified, and {@code exp} is {@link VectorMath}'s own polynomial rather
 * than the Vector API's {@code EXP}, whose compiled and interpreted forms may differ in the last bit.
 *
 * <p>Allocation: vectors are loaded with {@code FloatVector.fromMemorySegment} itself, never through a helper method of
 * ours. A helper the JIT does not inline returns its vector boxed, on the heap, and the JIT does give up on small
 * methods in big callers once its budget is spent, as it was in a JVM that had run several models and backends: a
 * decode step then allocated 9-18 KB (attention scores, RoPE) where it allocates nothing otherwise.
 */
public final class VectorKernels {
    /** Swaps the elements of each adjacent pair (2i, 2i+1): the partner of each element in interleaved RoPE. */
    private static final VectorShuffle<Float> SWAP_PAIRS = xorShuffle(1);

    /** GELU's tanh approximation: tanh(sqrt(2/π) (x + 0.044715 x³)). */
    private static final float GELU_CUBIC = 0.044715f;
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    private VectorKernels() {}

    // ----------------------------------------------------------------------------------------------------------
    // normalization

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
            float ss = sumOfSquares(x, row, n);
            float scale = 1f / (float) Math.sqrt(ss / n + eps);
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

    private static float sumOfSquares(MemorySegment x, long offset, int n) {
        float s = 0;
        int j = 0;
        if (VECTORIZED) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                FloatVector v = fromMemorySegment(F, x, offset + (long) j * Float.BYTES, LE);
                acc = v.fma(v, acc);
            }
            s = sumLanes(acc);
        }
        for (; j < n; j++) {
            float v = x.get(F32, offset + (long) j * Float.BYTES);
            s = Math.fma(v, v, s);
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

    // ----------------------------------------------------------------------------------------------------------
    // rope

    /**
     * Rotary position embedding, in place; bit-identical to {@link ScalarKernels#rope} (same float operations, no
     * fused multiply-add). The cosines and sines of a position are computed once into the workspace and applied to
     * every head.
     *
     * @param x (B, width), width a multiple of rope.headSize(); row b is at position pos + b
     */
    public static void rope(MemorySegment x, int rows, int width, int pos, Rope rope, Workspace workspace) {
        int headSize = rope.headSize();
        long tableBytes = (long) headSize * Float.BYTES;
        MemorySegment table = workspace.floats(2L * headSize); // cos (headSize,) then sin (headSize,)
        boolean interleaved = rope.layout() == RopeLayout.INTERLEAVED;
        for (int b = 0; b < rows; b++) {
            int p = pos + b;
            fillRotationTable(table, tableBytes, p, rope, interleaved);
            for (long head = (long) b * width; head < (long) (b + 1) * width; head += headSize) {
                long headOffset = head * Float.BYTES;
                if (interleaved) {
                    rotateInterleaved(x, headOffset, headSize, table, tableBytes);
                } else {
                    rotateHalves(x, headOffset, headSize, table, tableBytes);
                }
            }
        }
    }

    /**
     * Interleaved: cos[2i] = cos[2i+1] = cos θi, and sin[2i] = -sin θi, sin[2i+1] = +sin θi, so that with x' the
     * pair-swapped x, x * cos + x' * sin rotates every pair in one vector expression. Half-split: cos[i] = cos θi and
     * sin[i] = sin θi for the first half only.
     */
    private static void fillRotationTable(MemorySegment table, long sinAt, int p, Rope rope, boolean interleaved) {
        for (int i = 0; i < rope.headSize() / 2; i++) {
            float val = p * rope.inverseFrequency(i);
            float fcr = (float) Math.cos(val);
            float fci = (float) Math.sin(val);
            if (interleaved) {
                long first = 2L * i * Float.BYTES;
                long second = first + Float.BYTES;
                table.set(F32, first, fcr);
                table.set(F32, second, fcr);
                table.set(F32, sinAt + first, -fci);
                table.set(F32, sinAt + second, fci);
            } else {
                long at = (long) i * Float.BYTES;
                table.set(F32, at, fcr);
                table.set(F32, sinAt + at, fci);
            }
        }
    }

    private static void rotateInterleaved(MemorySegment x, long head, int headSize, MemorySegment table, long sinAt) {
        int j = 0;
        if (VECTORIZED) {
            // a vector holds an even number of lanes, so it never splits a pair
            for (int bound = F.loopBound(headSize); j < bound; j += F.length()) {
                long o = (long) j * Float.BYTES;
                FloatVector v = fromMemorySegment(F, x, head + o, LE);
                // lane 2i: v0*cos + v1*(-sin) = v0*fcr - v1*fci; lane 2i+1: v1*cos + v0*sin = v0*fci + v1*fcr
                v.mul(fromMemorySegment(F, table, o, LE)).add(v.rearrange(SWAP_PAIRS).mul(fromMemorySegment(F, table, sinAt + o, LE)))
                        .intoMemorySegment(x, head + o, LE);
            }
        }
        for (; j < headSize; j += 2) {
            long o0 = (long) j * Float.BYTES;
            long o1 = o0 + Float.BYTES;
            float fcr = table.get(F32, o0);
            float fci = table.get(F32, sinAt + o1);
            float v0 = x.get(F32, head + o0);
            float v1 = x.get(F32, head + o1);
            x.set(F32, head + o0, v0 * fcr - v1 * fci);
            x.set(F32, head + o1, v0 * fci + v1 * fcr);
        }
    }

    private static void rotateHalves(MemorySegment x, long head, int headSize, MemorySegment table, long sinAt) {
        int half = headSize / 2;
        long partner = (long) half * Float.BYTES;
        int i = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(half); i < bound; i += F.length()) {
                long o = (long) i * Float.BYTES;
                FloatVector v0 = fromMemorySegment(F, x, head + o, LE);
                FloatVector v1 = fromMemorySegment(F, x, head + partner + o, LE);
                FloatVector fcr = fromMemorySegment(F, table, o, LE);
                FloatVector fci = fromMemorySegment(F, table, sinAt + o, LE);
                v0.mul(fcr).sub(v1.mul(fci)).intoMemorySegment(x, head + o, LE);
                v0.mul(fci).add(v1.mul(fcr)).intoMemorySegment(x, head + partner + o, LE);
            }
        }
        for (; i < half; i++) {
            long o = (long) i * Float.BYTES;
            float fcr = table.get(F32, o);
            float fci = table.get(F32, sinAt + o);
            float v0 = x.get(F32, head + o);
            float v1 = x.get(F32, head + partner + o);
            x.set(F32, head + o, v0 * fcr - v1 * fci);
            x.set(F32, head + partner + o, v0 * fci + v1 * fcr);
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // attention

    /**
     * Causal multi-head attention over a KV cache, for all query rows and heads.
     *
     * @see #attention(MemorySegment, MemorySegment, MemorySegment, MemorySegment, int, AttentionShape, int, int, Workspace)
     */
    public static void attention(MemorySegment out, MemorySegment q, MemorySegment keys, MemorySegment values,
                                 int rows, int pos, AttentionShape heads, Workspace workspace) {
        attention(out, q, keys, values, pos, heads, 0, rows * heads.nHeads(), workspace);
    }

    /**
     * Causal multi-head attention over a KV cache for the items {@code itemFrom..itemTo-1} only (one thread's share),
     * item {@code b * nHeads + h} being head h of query row b (position pos + b): scores[t] = q·k[t] / sqrt(headSize)
     * for t in 0..pos+b, softmax, then the weighted sum of the values. Query head h reads key/value head h / kvMul.
     *
     * <p>Three passes in three methods, for the JIT: each method that takes or returns a vector must be inlined for
     * its vectors to stay in registers, and one compilation can inline only so much Vector API code.
     *
     * @param out (B, nHeads * headSize), not q
     * @param q (B, nHeads * headSize)
     * @param keys (seqLen, nKvHeads * headSize), rows 0..pos+B-1 filled
     * @param values (seqLen, nKvHeads * headSize), rows 0..pos+B-1 filled
     * @param workspace holds the scores (pos + B,) of one item at a time
     */
    public static void attention(MemorySegment out, MemorySegment q, MemorySegment keys, MemorySegment values,
                                 int pos, AttentionShape heads, int itemFrom, int itemTo, Workspace workspace) {
        int headSize = heads.headSize();
        long kvRowBytes = (long) heads.kvDim() * Float.BYTES;
        float sqrtHeadSize = (float) Math.sqrt(headSize);
        for (int item = itemFrom; item < itemTo; item++) {
            int b = item / heads.nHeads();
            int h = item % heads.nHeads();
            int p = pos + b;
            long qHead = ((long) b * heads.queryDim() + (long) h * headSize) * Float.BYTES;
            long kvHead = (long) (h / heads.kvMul()) * headSize * Float.BYTES;
            MemorySegment att = workspace.floats(p + 1); // (p + 1,) scores, then weights
            // iterate over all timesteps, including the current one
            scores(att, q, qHead, keys, kvHead, kvRowBytes, p + 1, headSize, sqrtHeadSize);
            softmaxRow(att, 0, att, 0, p + 1);
            weightedSumOfValues(out, qHead, att, values, kvHead, kvRowBytes, p + 1, headSize);
        }
    }

    /**
     * att[t] = q·keys[t] / sqrt(headSize) for t in 0..steps-1, each score the {@link VectorMath#dot} of q and the
     * key. Four keys at a time, so that four independent dot products are in flight rather than one chain of
     * multiply-adds.
     */
    private static void scores(MemorySegment att, MemorySegment q, long qHead, MemorySegment keys, long kvHead,
                               long kvRowBytes, int steps, int headSize, float sqrtHeadSize) {
        int t = 0;
        if (VECTORIZED) {
            int bound = F.loopBound(headSize);
            for (; t + 4 <= steps; t += 4) {
                long k0 = t * kvRowBytes + kvHead;
                long k1 = k0 + kvRowBytes;
                long k2 = k1 + kvRowBytes;
                long k3 = k2 + kvRowBytes;
                FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
                int j = 0;
                for (; j < bound; j += F.length()) {
                    long o = (long) j * Float.BYTES;
                    FloatVector qv = fromMemorySegment(F, q, qHead + o, LE);
                    a0 = qv.fma(fromMemorySegment(F, keys, k0 + o, LE), a0);
                    a1 = qv.fma(fromMemorySegment(F, keys, k1 + o, LE), a1);
                    a2 = qv.fma(fromMemorySegment(F, keys, k2 + o, LE), a2);
                    a3 = qv.fma(fromMemorySegment(F, keys, k3 + o, LE), a3);
                }
                float s0 = sumLanes(a0);
                float s1 = sumLanes(a1);
                float s2 = sumLanes(a2);
                float s3 = sumLanes(a3);
                for (; j < headSize; j++) {
                    long o = (long) j * Float.BYTES;
                    float qj = q.get(F32, qHead + o);
                    s0 = Math.fma(qj, keys.get(F32, k0 + o), s0);
                    s1 = Math.fma(qj, keys.get(F32, k1 + o), s1);
                    s2 = Math.fma(qj, keys.get(F32, k2 + o), s2);
                    s3 = Math.fma(qj, keys.get(F32, k3 + o), s3);
                }
                att.setAtIndex(F32, t, s0 / sqrtHeadSize);
                att.setAtIndex(F32, t + 1, s1 / sqrtHeadSize);
                att.setAtIndex(F32, t + 2, s2 / sqrtHeadSize);
                att.setAtIndex(F32, t + 3, s3 / sqrtHeadSize);
            }
        }
        for (; t < steps; t++) {
            att.setAtIndex(F32, t, dot(q, qHead, keys, t * kvRowBytes + kvHead, headSize) / sqrtHeadSize);
        }
    }

    /**
     * out[i] = sum over t of att[t] * values[t, i]: each lane i accumulates over all t in order. Four vectors of lanes
     * at a time, so that four independent chains of multiply-adds are in flight.
     */
    private static void weightedSumOfValues(MemorySegment out, long outAt, MemorySegment att, MemorySegment values,
                                            long kvHead, long kvRowBytes, int steps, int headSize) {
        int i = 0;
        if (VECTORIZED) {
            long vectorBytes = F.vectorByteSize();
            for (; i + 4 * F.length() <= headSize; i += 4 * F.length()) {
                long o = kvHead + (long) i * Float.BYTES;
                FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
                for (int t = 0; t < steps; t++) {
                    long row = t * kvRowBytes + o;
                    FloatVector weight = FloatVector.broadcast(F, att.getAtIndex(F32, t));
                    a0 = fromMemorySegment(F, values, row, LE).fma(weight, a0);
                    a1 = fromMemorySegment(F, values, row + vectorBytes, LE).fma(weight, a1);
                    a2 = fromMemorySegment(F, values, row + 2 * vectorBytes, LE).fma(weight, a2);
                    a3 = fromMemorySegment(F, values, row + 3 * vectorBytes, LE).fma(weight, a3);
                }
                long at = outAt + (long) i * Float.BYTES;
                a0.intoMemorySegment(out, at, LE);
                a1.intoMemorySegment(out, at + vectorBytes, LE);
                a2.intoMemorySegment(out, at + 2 * vectorBytes, LE);
                a3.intoMemorySegment(out, at + 3 * vectorBytes, LE);
            }
            for (int bound = F.loopBound(headSize); i < bound; i += F.length()) {
                long o = kvHead + (long) i * Float.BYTES;
                FloatVector acc = FloatVector.zero(F);
                for (int t = 0; t < steps; t++) {
                    acc = fromMemorySegment(F, values, t * kvRowBytes + o, LE).fma(FloatVector.broadcast(F, att.getAtIndex(F32, t)), acc);
                }
                acc.intoMemorySegment(out, outAt + (long) i * Float.BYTES, LE);
            }
        }
        for (; i < headSize; i++) {
            long o = kvHead + (long) i * Float.BYTES;
            float acc = 0;
            for (int t = 0; t < steps; t++) {
                acc = Math.fma(values.get(F32, t * kvRowBytes + o), att.getAtIndex(F32, t), acc);
            }
            out.set(F32, outAt + (long) i * Float.BYTES, acc);
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // softmax and elementwise ops

    /**
     * Softmax of each row: out = exp(x - max(x)) / sum(exp(x - max(x))).
     *
     * @param out (B, n), may be x
     * @param x (B, n)
     */
    public static void softmax(MemorySegment out, MemorySegment x, int rows, int n) {
        for (int b = 0; b < rows; b++) {
            long row = (long) b * n * Float.BYTES;
            softmaxRow(out, row, x, row, n);
        }
    }

    /**
     * Softmax of n floats at byte offset xAt into byte offset outAt; out may be x. Three small loops in three methods:
     * a method that takes or returns a vector must be inlined for its vectors to stay in registers, and the JIT
     * inlines {@link VectorMath#exp(FloatVector)} into a small loop but may not into one big method.
     */
    private static void softmaxRow(MemorySegment out, long outAt, MemorySegment x, long xAt, int n) {
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

    /**
     * SiLU: out = x * sigmoid(x) = x / (1 + exp(-x)).
     *
     * @param out (size,), may be x
     * @param x (size,)
     */
    public static void silu(MemorySegment out, MemorySegment x, int size) {
        int i = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(size); i < bound; i += F.length()) {
                long o = (long) i * Float.BYTES;
                silu(fromMemorySegment(F, x, o, LE)).intoMemorySegment(out, o, LE);
            }
        }
        for (; i < size; i++) {
            out.setAtIndex(F32, i, silu(x.getAtIndex(F32, i)));
        }
    }

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

    /**
     * out = a * b, elementwise.
     *
     * @param out (size,), may be a or b
     * @param a (size,)
     * @param b (size,)
     */
    public static void mul(MemorySegment out, MemorySegment a, MemorySegment b, int size) {
        int i = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(size); i < bound; i += F.length()) {
                long o = (long) i * Float.BYTES;
                fromMemorySegment(F, a, o, LE).mul(fromMemorySegment(F, b, o, LE)).intoMemorySegment(out, o, LE);
            }
        }
        for (; i < size; i++) {
            out.setAtIndex(F32, i, a.getAtIndex(F32, i) * b.getAtIndex(F32, i));
        }
    }

    /**
     * {@return the index of the largest element, the first one on ties}: the maximum by vectors, then the first
     * index holding it. With a NaN present no element equals the maximum, and the plain scan decides, as in
     * {@link ScalarKernels#argmax}.
     *
     * @param x (n,)
     */
    public static int argmax(MemorySegment x, int n) {
        if (!VECTORIZED || n < F.length()) {
            return ScalarKernels.argmax(x, n);
        }
        float max = max(x, 0, n);
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += F.length()) {
            VectorMask<Float> hits = fromMemorySegment(F, x, (long) j * Float.BYTES, LE).compare(VectorOperators.EQ, max);
            if (hits.anyTrue()) {
                return j + hits.firstTrue();
            }
        }
        for (; j < n; j++) {
            if (x.getAtIndex(F32, j) == max) {
                return j;
            }
        }
        return ScalarKernels.argmax(x, n);
    }
}
