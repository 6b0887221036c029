package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.HALF;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static dev.forwardpass.backend.java.kernels.VectorMath.VECTORIZED;
import static dev.forwardpass.backend.java.kernels.VectorMath.dot;
import static dev.forwardpass.backend.java.kernels.VectorMath.dotFour;
import static dev.forwardpass.backend.java.kernels.VectorMath.sumHalfLanes;
import static dev.forwardpass.backend.java.kernels.VectorMath.sumLanesOfHalves;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import dev.forwardpass.api.AttentionShape;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** Causal multi-head attention over a KV cache, or over a KV cache per query row, with the Vector API. */
public final class AttentionKernels {
    /** Heads of a query row whose weighted sums of the values run in one loop (see {@link #attendHeads}). */
    private static final int HEAD_GROUP = 4;

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
     * @param workspace holds the scores (pos + B,) of a few items at a time
     */
    public static void attention(MemorySegment out, MemorySegment q, MemorySegment keys, MemorySegment values,
                                 int pos, AttentionShape heads, int itemFrom, int itemTo, Workspace workspace) {
        for (int item = itemFrom, count; item < itemTo; item += count) {
            int b = item / heads.nHeads();
            count = groupSize(item, itemTo, heads);
            attendHeads(out, q, b, item % heads.nHeads(), count, keys, values, pos + b, heads, workspace);
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
     * @param workspace holds the scores (positions[b] + 1,) of a few items at a time
     */
    public static void attention(MemorySegment out, MemorySegment q, MemorySegment[] keys, MemorySegment[] values,
                                 int[] positions, AttentionShape heads, int itemFrom, int itemTo,
                                 Workspace workspace) {
        for (int item = itemFrom, count; item < itemTo; item += count) {
            int b = item / heads.nHeads();
            count = groupSize(item, itemTo, heads);
            attendHeads(out, q, b, item % heads.nHeads(), count, keys[b], values[b], positions[b], heads, workspace);
        }
    }

    /** {@return how many heads attendHeads takes from item on}: up to {@value #HEAD_GROUP} of its row, in the share */
    private static int groupSize(int item, int itemTo, AttentionShape heads) {
        return Math.min(HEAD_GROUP, Math.min(itemTo - item, heads.nHeads() - item % heads.nHeads()));
    }

    /** {@return the byte offset in a key or value row of the key/value head that query head h reads} */
    static long kvHeadAt(int h, AttentionShape heads) {
        return (long) (h / heads.kvMul()) * heads.headSize() * Float.BYTES;
    }

    /**
     * Heads h..h+count-1 of query row b, at position p, over rows 0..p of keys and values: the scores and softmax of
     * each head, then their weighted sums of the values, each weight times its row's softmax factor as it is read
     * ({@link SoftmaxKernels#unnormalizedSoftmax}). Heads of one vector of {@link VectorMath#HALF} (stories260K's 8
     * floats) go two and four at a time: a head and the head kvMul further, whose keys are the next half of the same
     * vector, are scored in one loop ({@link #scoresOfHalfVectorHeadPair}); {@value #HEAD_GROUP} heads take their
     * weighted sums in one loop, one chain of multiply-adds a head, where a single chain waits on each multiply-add's
     * latency. Each head's arithmetic is that of the head alone, so the bits do not depend on how the items are
     * grouped or split between threads.
     */
    private static void attendHeads(MemorySegment out, MemorySegment q, int b, int h, int count, MemorySegment keys,
                                    MemorySegment values, int p, AttentionShape heads, Workspace workspace) {
        int headSize = heads.headSize();
        int steps = p + 1; // all timesteps, including the current one
        long kvRowBytes = (long) heads.kvDim() * Float.BYTES;
        long headBytes = (long) headSize * Float.BYTES;
        long attRowBytes = (long) Math.ceilDiv(steps, F.length()) * F.vectorByteSize();
        // a row of scores, then weights, a head; one vector for a pair of query heads; each head's softmax factor
        long pairAt = count * attRowBytes;
        long factorsAt = pairAt + F.vectorByteSize();
        MemorySegment att = workspace.floats(factorsAt / Float.BYTES + count);
        boolean halfVectorHeads = VECTORIZED && headSize == HALF.length() && HALF.length() < F.length();
        float sqrtHeadSize = (float) Math.sqrt(headSize);
        long qRow = (long) b * heads.queryDim() * Float.BYTES;
        int scored = 0; // bit i: head h + i has its weights
        for (int i = 0; i < count; i++) {
            if ((scored & 1 << i) != 0) {
                continue;
            }
            long qHead = qRow + (h + i) * headBytes;
            long kvHead = kvHeadAt(h + i, heads);
            long attAt = i * attRowBytes;
            // head i + kvMul reads the next key/value head, the next half of the same vector of a key row
            int partner = i + heads.kvMul();
            if (halfVectorHeads && partner < count) {
                long partnerAt = partner * attRowBytes;
                halfVectorPair(att, pairAt, q, qHead, qRow + (h + partner) * headBytes);
                scoresOfHalfVectorHeadPair(att, attAt, partnerAt, att, pairAt, keys, kvHead, kvRowBytes, steps);
                att.set(F32, factorsAt + (long) partner * Float.BYTES,
                        SoftmaxKernels.unnormalizedSoftmax(att, partnerAt, steps, sqrtHeadSize));
                scored |= 1 << partner;
            } else if (halfVectorHeads) {
                scoresOfHalfVectorHead(att, attAt, q, qHead, keys, kvHead, kvRowBytes, steps);
            } else {
                scores(att, attAt, q, qHead, keys, kvHead, kvRowBytes, steps, headSize);
            }
            att.set(F32, factorsAt + (long) i * Float.BYTES,
                    SoftmaxKernels.unnormalizedSoftmax(att, attAt, steps, sqrtHeadSize));
        }
        int i = 0;
        if (halfVectorHeads) {
            for (; i + HEAD_GROUP <= count; i += HEAD_GROUP) {
                weightedSumsOfValuesHalf(out, qRow + (h + i) * headBytes, att, i * attRowBytes, attRowBytes,
                        factorsAt + (long) i * Float.BYTES, values, kvRowBytes, kvHeadAt(h + i, heads),
                        kvHeadAt(h + i + 1, heads), kvHeadAt(h + i + 2, heads), kvHeadAt(h + i + 3, heads), steps);
            }
        }
        for (; i < count; i++) {
            weightedSumOfValues(out, qRow + (h + i) * headBytes, att, i * attRowBytes,
                    att.get(F32, factorsAt + (long) i * Float.BYTES), values, kvHeadAt(h + i, heads), kvRowBytes,
                    steps, headSize);
        }
    }

    /**
     * att[t] = q·keys[t] for t in 0..steps-1 (att from byte attAt), each score the {@link VectorMath#dot} of q and the
     * key. Four keys at a time ({@link VectorMath#dotFour}), so that four independent dot products are in flight
     * rather than one chain of multiply-adds. The softmax divides them by sqrt(headSize).
     */
    private static void scores(MemorySegment att, long attAt, MemorySegment q, long qHead, MemorySegment keys,
                               long kvHead, long kvRowBytes, int steps, int headSize) {
        int t = 0;
        for (; t + 4 <= steps; t += 4) {
            dotFour(keys, t * kvRowBytes + kvHead, kvRowBytes, q, qHead, headSize, att, attAt + (long) t * Float.BYTES);
        }
        for (; t < steps; t++) {
            att.set(F32, attAt + (long) t * Float.BYTES, dot(q, qHead, keys, t * kvRowBytes + kvHead, headSize));
        }
    }

    /**
     * {@link #scores} of a head of exactly one vector of {@link VectorMath#HALF} (8 floats where F has 16 lanes): a
     * product and its lane sum per key, the keys independent of each other, rather than a chain of scalar
     * multiply-adds.
     */
    private static void scoresOfHalfVectorHead(MemorySegment att, long attAt, MemorySegment q, long qHead,
                                               MemorySegment keys, long kvHead, long kvRowBytes, int steps) {
        FloatVector qv = fromMemorySegment(HALF, q, qHead, LE);
        for (int t = 0; t < steps; t++) {
            FloatVector products = qv.mul(fromMemorySegment(HALF, keys, t * kvRowBytes + kvHead, LE));
            att.set(F32, attAt + (long) t * Float.BYTES, sumHalfLanes(products));
        }
    }

    /** Stores two heads of one vector of {@link VectorMath#HALF} (at bytes qA and qB of q) side by side at byte at. */
    private static void halfVectorPair(MemorySegment pair, long at, MemorySegment q, long qA, long qB) {
        fromMemorySegment(HALF, q, qA, LE).intoMemorySegment(pair, at, LE);
        fromMemorySegment(HALF, q, qB, LE).intoMemorySegment(pair, at + HALF.vectorByteSize(), LE);
    }

    /**
     * {@link #scoresOfHalfVectorHead} of two heads at once, whose keys are the two halves of one vector of F at byte
     * {@code kvHead} of a key row, and whose queries {@link #halfVectorPair} stored at byte {@code pairAt} of
     * {@code pair}: one product and one butterfly ({@link VectorMath#sumLanesOfHalves}) a key for both, with the bits
     * of each head alone. The scores go to bytes {@code attAt} and {@code partnerAt} of att.
     */
    private static void scoresOfHalfVectorHeadPair(MemorySegment att, long attAt, long partnerAt, MemorySegment pair,
                                                   long pairAt, MemorySegment keys, long kvHead, long kvRowBytes,
                                                   int steps) {
        FloatVector qv = fromMemorySegment(F, pair, pairAt, LE);
        int partnerLane = HALF.length();
        for (int t = 0; t < steps; t++) {
            FloatVector sums = sumLanesOfHalves(qv.mul(fromMemorySegment(F, keys, t * kvRowBytes + kvHead, LE)));
            long o = (long) t * Float.BYTES;
            att.set(F32, attAt + o, sums.lane(0));
            att.set(F32, partnerAt + o, sums.lane(partnerLane));
        }
    }

    /**
     * out[i] = sum over t of att[t] * values[t, i]: each lane i accumulates over all t in order. Four vectors of lanes
     * at a time, so that four independent chains of multiply-adds are in flight.
     */
    private static void weightedSumOfValues(MemorySegment out, long outAt, MemorySegment att, long attAt,
                                            float factor, MemorySegment values, long kvHead, long kvRowBytes,
                                            int steps, int headSize) {
        int i = 0;
        if (VECTORIZED) {
            long vectorBytes = F.vectorByteSize();
            for (; i + 4 * F.length() <= headSize; i += 4 * F.length()) {
                long o = kvHead + (long) i * Float.BYTES;
                FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
                for (int t = 0; t < steps; t++) {
                    long row = t * kvRowBytes + o;
                    FloatVector weight = FloatVector.broadcast(F, weight(att, attAt, t, factor));
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
                    FloatVector weight = FloatVector.broadcast(F, weight(att, attAt, t, factor));
                    acc = fromMemorySegment(F, values, t * kvRowBytes + o, LE).fma(weight, acc);
                }
                acc.intoMemorySegment(out, outAt + (long) i * Float.BYTES, LE);
            }
            if (i == 0 && headSize >= HALF.length() && HALF.length() < F.length()) {
                weightedSumOfValuesHalf(out, outAt, att, attAt, factor, values, kvHead, kvRowBytes, steps);
                i = HALF.length();
            }
        }
        // the lanes left, four at a time: four independent chains, not one
        for (; i + 4 <= headSize; i += 4) {
            long o = kvHead + (long) i * Float.BYTES;
            float acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
            for (int t = 0; t < steps; t++) {
                long row = t * kvRowBytes + o;
                float weight = weight(att, attAt, t, factor);
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
                acc = Math.fma(values.get(F32, t * kvRowBytes + o), weight(att, attAt, t, factor), acc);
            }
            out.set(F32, outAt + (long) i * Float.BYTES, acc);
        }
    }

    /**
     * The first {@code HALF.length()} lanes of {@link #weightedSumOfValues}, for a head shorter than a vector of F (8
     * floats in 16 lanes): one vector of HALF, the same multiply-adds in the same order as lane by lane. A method of
     * its own, so that every vector operation in it has one species, which the JIT needs to compile it.
     */
    private static void weightedSumOfValuesHalf(MemorySegment out, long outAt, MemorySegment att, long attAt,
                                                float factor, MemorySegment values, long kvHead, long kvRowBytes,
                                                int steps) {
        FloatVector acc = FloatVector.zero(HALF);
        for (int t = 0; t < steps; t++) {
            FloatVector weight = FloatVector.broadcast(HALF, weight(att, attAt, t, factor));
            acc = fromMemorySegment(HALF, values, t * kvRowBytes + kvHead, LE).fma(weight, acc);
        }
        acc.intoMemorySegment(out, outAt, LE);
    }

    /**
     * {@link #weightedSumOfValuesHalf} of {@value #HEAD_GROUP} consecutive heads in one loop (four independent chains
     * of multiply-adds): head i's weights at byte {@code attAt + i * attRowBytes}, its values at {@code kvHead<i>}
     * of a row, its sums to {@code outAt + i * HALF.vectorByteSize()}.
     */
    private static void weightedSumsOfValuesHalf(MemorySegment out, long outAt, MemorySegment att, long attAt,
                                                 long attRowBytes, long factorsAt, MemorySegment values,
                                                 long kvRowBytes, long kvHead0, long kvHead1, long kvHead2,
                                                 long kvHead3, int steps) {
        float factor0 = att.get(F32, factorsAt);
        float factor1 = att.get(F32, factorsAt + Float.BYTES);
        float factor2 = att.get(F32, factorsAt + 2 * Float.BYTES);
        float factor3 = att.get(F32, factorsAt + 3 * Float.BYTES);
        FloatVector acc0 = FloatVector.zero(HALF), acc1 = FloatVector.zero(HALF);
        FloatVector acc2 = FloatVector.zero(HALF), acc3 = FloatVector.zero(HALF);
        for (int t = 0; t < steps; t++) {
            long row = t * kvRowBytes;
            acc0 = fromMemorySegment(HALF, values, row + kvHead0, LE)
                    .fma(FloatVector.broadcast(HALF, weight(att, attAt, t, factor0)), acc0);
            acc1 = fromMemorySegment(HALF, values, row + kvHead1, LE)
                    .fma(FloatVector.broadcast(HALF, weight(att, attAt + attRowBytes, t, factor1)), acc1);
            acc2 = fromMemorySegment(HALF, values, row + kvHead2, LE)
                    .fma(FloatVector.broadcast(HALF, weight(att, attAt + 2 * attRowBytes, t, factor2)), acc2);
            acc3 = fromMemorySegment(HALF, values, row + kvHead3, LE)
                    .fma(FloatVector.broadcast(HALF, weight(att, attAt + 3 * attRowBytes, t, factor3)), acc3);
        }
        long vectorBytes = HALF.vectorByteSize();
        acc0.intoMemorySegment(out, outAt, LE);
        acc1.intoMemorySegment(out, outAt + vectorBytes, LE);
        acc2.intoMemorySegment(out, outAt + 2 * vectorBytes, LE);
        acc3.intoMemorySegment(out, outAt + 3 * vectorBytes, LE);
    }

    /** {@return the softmax weight of step t}: its exponential at byte attAt of att times the row's factor */
    private static float weight(MemorySegment att, long attAt, int t, float factor) {
        return att.get(F32, attAt + (long) t * Float.BYTES) * factor;
    }
}
