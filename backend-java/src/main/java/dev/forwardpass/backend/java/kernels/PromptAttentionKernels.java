package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static dev.forwardpass.backend.java.kernels.VectorMath.VECTORIZED;
import static dev.forwardpass.backend.java.kernels.VectorMath.exp;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import dev.forwardpass.api.AttentionShape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Causal attention of a prompt's query rows over one KV cache, for short heads, with a block of consecutive query
 * rows in the lanes of a vector. A head of stories260K is 8 floats: one row at a time ({@link AttentionKernels}), a
 * key's score is a product and a lane sum across half a vector, and the softmax and the weighted sums of a row of a
 * few vectors are mostly set-up; that was 58 % of a 128-token prompt. With one query row a lane, a key's scores for
 * the whole block are headSize multiply-adds of whole vectors, the softmax runs down the keys one vector a key, and so
 * do the weighted sums of the values.
 *
 * <p>Each lane's arithmetic is that of its row alone, whichever block and lane it is in: the query is scaled by
 * 1 / sqrt(headSize) (once an element, not a division a score), the score is a chain of multiply-adds over the head in
 * order, the softmax subtracts the largest score and sums the exponentials in key order, and each output element is a
 * chain of multiply-adds over the keys in order. A block runs to its last row's position; the keys past a row's own
 * (the triangle at the end of the block) get score -∞ for the max and weight exactly 0 for the sums of the values.
 * So the bits depend neither on the threads nor on how the rows are cut into calls of at least a block; they differ
 * from {@link AttentionKernels}' in the last places (the scale and the order of the sums).
 */
public final class PromptAttentionKernels {
    /** Heads longer than this go one row at a time ({@link AttentionKernels}), where a key's score fills vectors. */
    static final int MAX_HEAD_SIZE = 16;
    /** Query rows a block: one a lane. */
    private static final int BLOCK = F.length();
    /**
     * For the last B keys of a block (B lanes), key k of them at the position of the block's row k: vector k has
     * -∞ in lanes r < k and 0 in the others (added to the scores), vector B + k has 0 in lanes r < k and 1 in the
     * others (multiplied into the weights). Row r of the block sees key k only if k <= r.
     */
    private static final MemorySegment TRIANGLES = triangles();

    private PromptAttentionKernels() {}

    /** {@return whether this kernel takes an attention of {@code rows} query rows with these heads} */
    public static boolean applies(int rows, AttentionShape heads) {
        return VECTORIZED && rows >= BLOCK && heads.headSize() <= MAX_HEAD_SIZE;
    }

    /** {@return the items of an attention of {@code rows} query rows}: a block of rows and a head each */
    public static int items(int rows, AttentionShape heads) {
        return Math.ceilDiv(rows, BLOCK) * heads.nHeads();
    }

    /**
     * Causal multi-head attention over a KV cache for the items {@code itemFrom..itemTo-1} only (one thread's share),
     * item {@code k * nHeads + h} being head h of the query rows of block k: rows kB..kB+B-1 (B lanes), the last block
     * moved back to end on the last row (its rows before kB were another block's, and are not written again). Row b is
     * at position pos + b: scores[t] = (q / sqrt(headSize))·k[t] for t in 0..pos+b, softmax, then the weighted sum of
     * the values. Query head h reads key/value head h / kvMul. Only where {@link #applies}.
     *
     * @param out (rows, nHeads * headSize), not q
     * @param q (rows, nHeads * headSize)
     * @param keys (seqLen, nKvHeads * headSize), rows 0..pos+rows-1 filled
     * @param values (seqLen, nKvHeads * headSize), rows 0..pos+rows-1 filled
     * @param workspace holds a block's queries, scores and sums
     */
    public static void attention(MemorySegment out, MemorySegment q, MemorySegment keys, MemorySegment values,
                                 int rows, int pos, AttentionShape heads, int itemFrom, int itemTo,
                                 Workspace workspace) {
        int headSize = heads.headSize();
        long vectorBytes = F.vectorByteSize();
        // the block's queries, one vector a head element (then its outputs); 1 / each lane's sum of weights; its
        // scores, then weights, one vector a key
        long factorsAt = headSize * vectorBytes;
        long scoresAt = factorsAt + vectorBytes;
        MemorySegment block = workspace.floats((long) (headSize + 1 + pos + rows) * BLOCK);
        float scale = (float) (1 / Math.sqrt(headSize));
        for (int item = itemFrom; item < itemTo; item++) {
            int first = item / heads.nHeads() * BLOCK;
            int start = Math.min(first, rows - BLOCK);
            int h = item % heads.nHeads();
            long qHead = (long) h * headSize * Float.BYTES;
            long kvHead = AttentionKernels.kvHeadAt(h, heads);
            int steps = pos + start + BLOCK; // the keys of the block's last row
            transposeQueries(block, q, start, heads.queryDim(), qHead, headSize, scale);
            scores(block, scoresAt, keys, kvHead, heads.kvDim(), headSize, steps);
            softmax(block, scoresAt, factorsAt, steps);
            weightedSums(block, scoresAt, factorsAt, values, kvHead, heads, steps);
            storeOutputs(out, block, start, first - start, heads.queryDim(), qHead, headSize);
        }
    }

    /**
     * Stores element d of head qHead of the block's query rows from row {@code start}, times {@code scale}, at vector d
     * of {@code block}: the scores come out scaled, one multiply a query element rather than a division a score.
     */
    private static void transposeQueries(MemorySegment block, MemorySegment q, int start, int queryDim, long qHead,
                                         int headSize, float scale) {
        for (int r = 0; r < BLOCK; r++) {
            long row = (long) (start + r) * queryDim * Float.BYTES + qHead;
            for (int d = 0; d < headSize; d++) {
                block.set(F32, ((long) d * BLOCK + r) * Float.BYTES,
                        q.get(F32, row + (long) d * Float.BYTES) * scale);
            }
        }
    }

    /**
     * Stores vector d of {@code block} (element d of head qHead of each lane's output) to the rows of out, from lane
     * {@code firstLane} on: the lanes before are rows of the block before, where the last block was moved back.
     */
    private static void storeOutputs(MemorySegment out, MemorySegment block, int start, int firstLane, int queryDim,
                                     long qHead, int headSize) {
        for (int r = firstLane; r < BLOCK; r++) {
            long row = (long) (start + r) * queryDim * Float.BYTES + qHead;
            for (int d = 0; d < headSize; d++) {
                out.set(F32, row + (long) d * Float.BYTES, block.get(F32, ((long) d * BLOCK + r) * Float.BYTES));
            }
        }
    }

    /**
     * Vector t at byte scoresAt of block: the scores of key t, q·k[t] as one chain of multiply-adds over the head in
     * order, for t in 0..steps-1; four keys at a time, four independent chains. The block's last B keys (B lanes) get
     * -∞ where the lane's row is before the key.
     */
    private static void scores(MemorySegment block, long scoresAt, MemorySegment keys, long kvHead, int kvDim,
                               int headSize, int steps) {
        long vectorBytes = F.vectorByteSize();
        long keyBytes = (long) kvDim * Float.BYTES;
        int t = 0;
        for (; t + 4 <= steps; t += 4) {
            long k0 = t * keyBytes + kvHead;
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
            FloatVector s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
            for (int d = 0; d < headSize; d++) {
                FloatVector qd = fromMemorySegment(F, block, d * vectorBytes, LE);
                long kd = k0 + (long) d * Float.BYTES;
                s0 = qd.fma(FloatVector.broadcast(F, keys.get(F32, kd)), s0);
                s1 = qd.fma(FloatVector.broadcast(F, keys.get(F32, kd + keyBytes)), s1);
                s2 = qd.fma(FloatVector.broadcast(F, keys.get(F32, kd + 2 * keyBytes)), s2);
                s3 = qd.fma(FloatVector.broadcast(F, keys.get(F32, kd + 3 * keyBytes)), s3);
            }
            long at = scoresAt + t * vectorBytes;
            s0.intoMemorySegment(block, at, LE);
            s1.intoMemorySegment(block, at + vectorBytes, LE);
            s2.intoMemorySegment(block, at + 2 * vectorBytes, LE);
            s3.intoMemorySegment(block, at + 3 * vectorBytes, LE);
        }
        for (; t < steps; t++) {
            long kt = t * keyBytes + kvHead;
            FloatVector s = FloatVector.zero(F);
            for (int d = 0; d < headSize; d++) {
                FloatVector key = FloatVector.broadcast(F, keys.get(F32, kt + (long) d * Float.BYTES));
                s = fromMemorySegment(F, block, d * vectorBytes, LE).fma(key, s);
            }
            s.intoMemorySegment(block, scoresAt + t * vectorBytes, LE);
        }
        int diagonal = steps - BLOCK; // the block's first row's position: its key is the first it alone sees
        for (int k = 1; k < BLOCK; k++) {
            long at = scoresAt + (long) (diagonal + k) * vectorBytes;
            fromMemorySegment(F, block, at, LE).add(fromMemorySegment(F, TRIANGLES, k * vectorBytes, LE))
                    .intoMemorySegment(block, at, LE);
        }
    }

    /**
     * The softmax of each lane's scores down the keys, but its last step: exp(score - max), stored over the score,
     * the block's last keys with weight exactly 0 where the lane's row is before the key; 1 / each lane's sum of
     * weights, summed in key order, goes to byte factorsAt. The max in four vectors of keys (a max is exact in any
     * order). The keys a row does not see come after its own, whose weight 1 (its largest score's) is in the sum by
     * then: their exp(-∞) ≈ 1.6e-38 leaves a sum of at least 1 as it was.
     */
    private static void softmax(MemorySegment block, long scoresAt, long factorsAt, int steps) {
        long vectorBytes = F.vectorByteSize();
        FloatVector m0 = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY), m1 = m0, m2 = m0, m3 = m0;
        int t = 0;
        for (; t + 4 <= steps; t += 4) {
            long at = scoresAt + t * vectorBytes;
            m0 = m0.max(fromMemorySegment(F, block, at, LE));
            m1 = m1.max(fromMemorySegment(F, block, at + vectorBytes, LE));
            m2 = m2.max(fromMemorySegment(F, block, at + 2 * vectorBytes, LE));
            m3 = m3.max(fromMemorySegment(F, block, at + 3 * vectorBytes, LE));
        }
        for (; t < steps; t++) {
            m0 = m0.max(fromMemorySegment(F, block, scoresAt + t * vectorBytes, LE));
        }
        FloatVector max = m0.max(m1).max(m2.max(m3));
        FloatVector sum = FloatVector.zero(F);
        for (t = 0; t < steps; t++) {
            long at = scoresAt + t * vectorBytes;
            FloatVector e = exp(fromMemorySegment(F, block, at, LE).sub(max));
            e.intoMemorySegment(block, at, LE);
            sum = sum.add(e);
        }
        // the weights of the keys a lane's row does not see, exp(-∞) ≈ 1.6e-38 so far, to 0; in a loop of its own, as a
        // second exp in this method made the JIT box its vectors
        int diagonal = steps - BLOCK;
        for (int k = 1; k < BLOCK; k++) {
            long at = scoresAt + (long) (diagonal + k) * vectorBytes;
            fromMemorySegment(F, block, at, LE).mul(fromMemorySegment(F, TRIANGLES, (BLOCK + k) * vectorBytes, LE))
                    .intoMemorySegment(block, at, LE);
        }
        FloatVector.broadcast(F, 1f).div(sum).intoMemorySegment(block, factorsAt, LE);
    }

    /**
     * Vector i of block: the element i of each lane's output, sum over t of (weight[t] * factor) * values[t, i], a
     * chain of multiply-adds in key order; four elements of the head at a time, four independent chains.
     */
    private static void weightedSums(MemorySegment block, long scoresAt, long factorsAt, MemorySegment values,
                                     long kvHead, AttentionShape heads, int steps) {
        long vectorBytes = F.vectorByteSize();
        FloatVector factors = fromMemorySegment(F, block, factorsAt, LE);
        long valueBytes = (long) heads.kvDim() * Float.BYTES;
        int headSize = heads.headSize();
        int i = 0;
        for (; i + 4 <= headSize; i += 4) {
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            for (int t = 0; t < steps; t++) {
                FloatVector weight = fromMemorySegment(F, block, scoresAt + t * vectorBytes, LE).mul(factors);
                long vi = t * valueBytes + kvHead + (long) i * Float.BYTES;
                a0 = weight.fma(FloatVector.broadcast(F, values.get(F32, vi)), a0);
                a1 = weight.fma(FloatVector.broadcast(F, values.get(F32, vi + Float.BYTES)), a1);
                a2 = weight.fma(FloatVector.broadcast(F, values.get(F32, vi + 2 * Float.BYTES)), a2);
                a3 = weight.fma(FloatVector.broadcast(F, values.get(F32, vi + 3 * Float.BYTES)), a3);
            }
            a0.intoMemorySegment(block, i * vectorBytes, LE);
            a1.intoMemorySegment(block, (i + 1) * vectorBytes, LE);
            a2.intoMemorySegment(block, (i + 2) * vectorBytes, LE);
            a3.intoMemorySegment(block, (i + 3) * vectorBytes, LE);
        }
        for (; i < headSize; i++) {
            FloatVector a = FloatVector.zero(F);
            for (int t = 0; t < steps; t++) {
                FloatVector weight = fromMemorySegment(F, block, scoresAt + t * vectorBytes, LE).mul(factors);
                a = weight.fma(FloatVector.broadcast(F, values.get(F32, t * valueBytes + kvHead + (long) i * Float.BYTES)), a);
            }
            a.intoMemorySegment(block, i * vectorBytes, LE);
        }
    }

    /** {@return the vectors of {@link #TRIANGLES}} */
    private static MemorySegment triangles() {
        MemorySegment triangles = Arena.global().allocate(2L * BLOCK * BLOCK * Float.BYTES, 64);
        for (int k = 0; k < BLOCK; k++) {
            for (int r = 0; r < BLOCK; r++) {
                boolean sees = k <= r;
                triangles.set(F32, ((long) k * BLOCK + r) * Float.BYTES, sees ? 0f : Float.NEGATIVE_INFINITY);
                triangles.set(F32, ((long) (BLOCK + k) * BLOCK + r) * Float.BYTES, sees ? 1f : 0f);
            }
        }
        return triangles;
    }
}
