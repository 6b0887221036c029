package dev.forwardpass.models.sampling;

/**
 * The tokens that can still be drawn at one step (those whose logit is not -infinity), in id order and, on demand,
 * in descending logit order (ties by ascending id). Ranking is lazy: a binary heap gives up the next-largest token
 * when asked, so top_k 40 of a 128k vocabulary orders 40 tokens, and a chain that needs no order sorts nothing.
 * Allocates nothing after construction.
 */
final class RankedCandidates {
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

    RankedCandidates(int vocabSize) {
        this.tokens = new int[vocabSize];
        this.heap = new long[vocabSize];
        this.ranked = new int[vocabSize];
    }

    /** Takes the candidates of a new step from its logits (read now: later changes to the array do not re-rank). */
    void reset(float[] logits) {
        count = 0;
        for (int q = 0; q < logits.length; q++) {
            if (logits[q] != Float.NEGATIVE_INFINITY) {
                tokens[count] = q;
                heap[count] = rankKey(logits[q], q);
                count++;
            }
        }
        heapSize = count;
        rankedCount = 0;
        heapBuilt = false;
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
        if (!heapBuilt) {
            for (int i = heapSize / 2 - 1; i >= 0; i--) {
                siftDown(i);
            }
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
