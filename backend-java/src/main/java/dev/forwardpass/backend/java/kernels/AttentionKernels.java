package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.HALF;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static dev.forwardpass.backend.java.kernels.VectorMath.VECTORIZED;
import static dev.forwardpass.backend.java.kernels.VectorMath.dot;
import static dev.forwardpass.backend.java.kernels.VectorMath.dotFour;
import static dev.forwardpass.backend.java.kernels.VectorMath.sumHalfLanes;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import dev.forwardpass.api.AttentionShape;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** Causal multi-head attention over a KV cache, or over a KV cache per query row, with the Vector API. */
public final class AttentionKernels {
    private AttentionKernels() {}

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
        for (int item = itemFrom; item < itemTo; item++) {
            int b = item / heads.nHeads();
            attendHead(out, q, b, item % heads.nHeads(), keys, values, pos + b, heads, workspace);
        }
    }

    /**
     * Attention of rows from different sequences, each over its own KV cache, for the items
     * {@code itemFrom..itemTo-1} only (one thread's share), item {@code b * nHeads + h} being head h of query row b:
     * as {@link #attention(MemorySegment, MemorySegment, MemorySegment, MemorySegment, int, AttentionShape, int, int,
     * Workspace)}, over positions 0..positions[b] of keys[b] and values[b].
     *
     * @param out (B, nHeads * headSize), not q
     * @param q (B, nHeads * headSize)
     * @param keys B × (seqLen_b, nKvHeads * headSize), rows 0..positions[b] filled
     * @param values B × (seqLen_b, nKvHeads * headSize), rows 0..positions[b] filled
     * @param positions (B,)
     * @param workspace holds the scores (positions[b] + 1,) of one item at a time
     */
    public static void attention(MemorySegment out, MemorySegment q, MemorySegment[] keys, MemorySegment[] values,
                                 int[] positions, AttentionShape heads, int itemFrom, int itemTo,
                                 Workspace workspace) {
        for (int item = itemFrom; item < itemTo; item++) {
            int b = item / heads.nHeads();
            attendHead(out, q, b, item % heads.nHeads(), keys[b], values[b], positions[b], heads, workspace);
        }
    }

    /** Head h of query row b, at position p, over rows 0..p of keys and values. */
    private static void attendHead(MemorySegment out, MemorySegment q, int b, int h, MemorySegment keys,
                                   MemorySegment values, int p, AttentionShape heads, Workspace workspace) {
        int headSize = heads.headSize();
        long kvRowBytes = (long) heads.kvDim() * Float.BYTES;
        long qHead = ((long) b * heads.queryDim() + (long) h * headSize) * Float.BYTES;
        long kvHead = (long) (h / heads.kvMul()) * headSize * Float.BYTES;
        MemorySegment att = workspace.floats(p + 1); // (p + 1,) scores, then weights
        // iterate over all timesteps, including the current one
        if (VECTORIZED && headSize == HALF.length() && HALF.length() < F.length()) {
            scoresOfHalfVectorHead(att, q, qHead, keys, kvHead, kvRowBytes, p + 1, (float) Math.sqrt(headSize));
        } else {
            scores(att, q, qHead, keys, kvHead, kvRowBytes, p + 1, headSize, (float) Math.sqrt(headSize));
        }
        SoftmaxKernels.softmaxRow(att, 0, att, 0, p + 1);
        weightedSumOfValues(out, qHead, att, values, kvHead, kvRowBytes, p + 1, headSize);
    }

    /**
     * att[t] = q·keys[t] / sqrt(headSize) for t in 0..steps-1, each score the {@link VectorMath#dot} of q and the
     * key. Four keys at a time ({@link VectorMath#dotFour}), so that four independent dot products are in flight
     * rather than one chain of multiply-adds.
     */
    private static void scores(MemorySegment att, MemorySegment q, long qHead, MemorySegment keys, long kvHead,
                               long kvRowBytes, int steps, int headSize, float sqrtHeadSize) {
        int t = 0;
        for (; t + 4 <= steps; t += 4) {
            dotFour(keys, t * kvRowBytes + kvHead, kvRowBytes, q, qHead, headSize, att, (long) t * Float.BYTES);
            for (int i = t; i < t + 4; i++) {
                att.setAtIndex(F32, i, att.getAtIndex(F32, i) / sqrtHeadSize);
            }
        }
        for (; t < steps; t++) {
            att.setAtIndex(F32, t, dot(q, qHead, keys, t * kvRowBytes + kvHead, headSize) / sqrtHeadSize);
        }
    }

    /**
     * {@link #scores} of a head of exactly one vector of {@link VectorMath#HALF} (8 floats where F has 16 lanes): a
     * product and its lane sum per key, the keys independent of each other, rather than a chain of scalar
     * multiply-adds.
     */
    private static void scoresOfHalfVectorHead(MemorySegment att, MemorySegment q, long qHead, MemorySegment keys,
                                               long kvHead, long kvRowBytes, int steps, float sqrtHeadSize) {
        FloatVector qv = fromMemorySegment(HALF, q, qHead, LE);
        for (int t = 0; t < steps; t++) {
            FloatVector products = qv.mul(fromMemorySegment(HALF, keys, t * kvRowBytes + kvHead, LE));
            att.setAtIndex(F32, t, sumHalfLanes(products) / sqrtHeadSize);
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
            if (i == 0 && headSize >= HALF.length() && HALF.length() < F.length()) {
                weightedSumOfValuesHalf(out, outAt, att, values, kvHead, kvRowBytes, steps);
                i = HALF.length();
            }
        }
        // the lanes left, four at a time: four independent chains, not one
        for (; i + 4 <= headSize; i += 4) {
            long o = kvHead + (long) i * Float.BYTES;
            float acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
            for (int t = 0; t < steps; t++) {
                long row = t * kvRowBytes + o;
                float weight = att.getAtIndex(F32, t);
                acc0 = Math.fma(values.get(F32, row), weight, acc0);
                acc1 = Math.fma(values.get(F32, row + Float.BYTES), weight, acc1);
                acc2 = Math.fma(values.get(F32, row + 2 * Float.BYTES), weight, acc2);
                acc3 = Math.fma(values.get(F32, row + 3 * Float.BYTES), weight, acc3);
            }
            long at = outAt + (long) i * Float.BYTES;
            out.set(F32, at, acc0);
            out.set(F32, at + Float.BYTES, acc1);
            out.set(F32, at + 2 * Float.BYTES, acc2);
            out.set(F32, at + 3 * Float.BYTES, acc3);
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

    /**
     * The first {@code HALF.length()} lanes of {@link #weightedSumOfValues}, for a head shorter than a vector of F (8
     * floats in 16 lanes): one vector of HALF, the same multiply-adds in the same order as lane by lane. A method of
     * its own, so that every vector operation in it has one species, which the JIT needs to compile it.
     */
    private static void weightedSumOfValuesHalf(MemorySegment out, long outAt, MemorySegment att,
                                                MemorySegment values, long kvHead, long kvRowBytes, int steps) {
        FloatVector acc = FloatVector.zero(HALF);
        for (int t = 0; t < steps; t++) {
            acc = fromMemorySegment(HALF, values, t * kvRowBytes + kvHead, LE).fma(FloatVector.broadcast(HALF, att.getAtIndex(F32, t)), acc);
        }
        acc.intoMemorySegment(out, outAt, LE);
    }
}
