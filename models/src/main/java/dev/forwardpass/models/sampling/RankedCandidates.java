package dev.forwardpass.models.sampling;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;

/**
 * The tokens that can still be drawn at one step (those whose logit is not -infinity), in id order and, on demand,
 * in descending logit order (ties by ascending id). Ranking is lazy: a binary heap gives up the next-largest token
 * when asked, so a chain that needs no order sorts nothing. When the caller knows it needs only a few ranks (top_k 40
 * of a 32k vocabulary), they are selected while the logits are read, by a heap of that many keys whose worst leaves
 * when a better one comes: one comparison for most tokens, where the lazy heap is first built over all of them (a
 * fifth of a 110M model's serving step at 8 streams went to that and to the log-softmax of logprobs).
 * Allocates nothing after construction.
 */
final class RankedCandidates {
    /** Ranks are selected while reading when at most this fraction of the vocabulary is asked for. */
    private static final int SELECTION_RATIO = 16;
    /** (vocabSize,) the candidates in ascending id order; tokens[0..count). */
    private final int[] tokens;
    /** (vocabSize,) rank keys (see {@link #rankKey}), a min-heap over heap[0..heapSize) once built. */
    private final long[] heap;
    /** (vocabSize,) the tokens taken off the heap so far, largest logit first; ranked[0..rankedCount). */
    private final int[] ranked;
    private int count;
    private int heapSize;
    private int rankedCount;
    private boolean heapBuilt;
    /** Whether only the first {@link #rankedCount} ranks were selected by {@link #reset(float[], int)}. */
    private boolean selected;

    RankedCandidates(int vocabSize) {
        this.tokens = new int[vocabSize];
        this.heap = new long[vocabSize];
        this.ranked = new int[vocabSize];
    }

    /** Takes the candidates of a new step from its logits (read now: later changes to the array do not re-rank). */
    void reset(float[] logits) {
        reset(logits, logits.length);
    }

    /**
     * Takes the candidates of a new step from its logits, as {@link #reset(float[])}, for a caller that will ask for
     * no rank at or beyond {@code ranks}.
     */
    void reset(float[] logits, int ranks) {
        count = 0;
        heapSize = 0;
        rankedCount = 0;
        heapBuilt = false;
        selected = ranks > 0 && ranks <= logits.length / SELECTION_RATIO;
        if (!selected) {
            for (int q = 0; q < logits.length; q++) {
                if (logits[q] != Float.NEGATIVE_INFINITY) {
                    tokens[count] = q;
                    heap[count] = rankKey(logits[q], q);
                    count++;
                }
            }
            heapSize = count;
            return;
        }
        // a min-heap of the first candidates' complemented keys, whose root is the worst of the best ranks so far
        int q = 0;
        for (; q < logits.length && heapSize < ranks; q++) {
            if (logits[q] != Float.NEGATIVE_INFINITY) {
                tokens[count++] = q;
                heap[heapSize++] = ~rankKey(logits[q], q);
            }
        }
        heapify();
        long worst = heap[0]; // read only if the heap filled: the loop above stops at the end of the logits otherwise
        for (; q < logits.length; q++) {
            if (logits[q] != Float.NEGATIVE_INFINITY) {
                tokens[count++] = q;
                long candidate = ~rankKey(logits[q], q);
                if (candidate > worst) {
                    heap[0] = candidate;
                    siftDown(0);
                    worst = heap[0];
                }
            }
        }
        Arrays.sort(heap, 0, heapSize); // ascending complements: the worst selected rank first
        for (int i = 0; i < heapSize; i++) {
            ranked[i] = (int) ~heap[heapSize - 1 - i];
        }
        rankedCount = heapSize;
    }

    /** {@return the number of candidates} */
    int count() {
        return count;
    }

    /** {@return the candidate at position {@code i} of id order}, 0 <= i < count */
    int byId(int i) {
        return tokens[i];
    }

    /** {@return the candidate of rank {@code rank} (0 = largest logit)}, 0 <= rank < count */
    int byRank(int rank) {
        if (selected) {
            checkArgument(rank < rankedCount, "rank %s was not selected: only the first %s were", rank, rankedCount);
            return ranked[rank];
        }
        if (!heapBuilt) {
            heapify();
            heapBuilt = true;
        }
        while (rankedCount <= rank) {
            ranked[rankedCount++] = (int) heap[0];
            heap[0] = heap[--heapSize];
            siftDown(0);
        }
        return ranked[rank];
    }

    /**
     * A long whose ascending order is descending logit, then ascending token: the float's bits made to sort as
     * signed ints (negative floats have their magnitude bits flipped), complemented, above the token id.
     */
    private static long rankKey(float logit, int token) {
        int bits = Float.floatToRawIntBits(logit + 0.0f); // + 0 turns -0 into +0, so the two zeros tie
        int ascending = bits ^ ((bits >> 31) & Integer.MAX_VALUE);
        return ((long) ~ascending << 32) | token;
    }

    private void heapify() {
        for (int i = heapSize / 2 - 1; i >= 0; i--) {
            siftDown(i);
        }
    }

    private void siftDown(int i) {
        long value = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= heapSize) {
                break;
            }
            if (child + 1 < heapSize && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= value) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = value;
    }
}
