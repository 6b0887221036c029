package dev.forwardpass.backend.java.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.conformance.Tolerance;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Attention against the oracle, for every kind of head shape and tail. */
class AttentionKernelsTest extends KernelComparisonTest {
    private static final AttentionShape[] SHAPES = {
        new AttentionShape(1, 1, 1), new AttentionShape(2, 2, 7), new AttentionShape(4, 2, 8),
        new AttentionShape(4, 1, 15), new AttentionShape(2, 2, 16), new AttentionShape(3, 3, 17),
        new AttentionShape(4, 2, 64), new AttentionShape(2, 1, 65),
    };

    @Test
    void attention() {
        for (AttentionShape heads : SHAPES) {
            for (int pos : new int[] {0, 1, 40}) {
                int rows = 3;
                int seqLen = pos + rows;
                long seed = seed(heads.headSize() * 100 + heads.nHeads(), pos);
                AttentionCase c = attentionCase(seed, heads, rows, pos, seqLen);
                MemorySegment actual = floats(rows * heads.queryDim());
                AttentionKernels.attention(actual, c.q(), c.keys(), c.values(), rows, pos, heads, workspace);
                assertClose(Tolerance.F32, c.expected(), actual, "attention " + heads + " B=3 pos=" + pos, seed);
            }
        }
    }

    @Test
    void attentionOverACachePerRow() {
        int[] positions = {40, 0, 3, 1};
        for (AttentionShape heads : SHAPES) {
            int rows = positions.length;
            long seed = seed(heads.headSize() * 100 + heads.nHeads(), rows);
            MemorySegment[] keys = new MemorySegment[rows];
            MemorySegment[] values = new MemorySegment[rows];
            for (int b = 0; b < rows; b++) {
                int seqLen = positions[b] + 1 + b; // caches of different lengths, some longer than needed
                keys[b] = random(seed + 1 + 2L * b, seqLen * heads.kvDim(), 1);
                values[b] = random(seed + 2 + 2L * b, seqLen * heads.kvDim(), 1);
            }
            MemorySegment q = random(seed, rows * heads.queryDim(), 1);
            MemorySegment expected = floats(rows * heads.queryDim());
            MemorySegment actual = floats(rows * heads.queryDim());
            ScalarKernels.attention(expected, q, keys, values, positions, heads);
            AttentionKernels.attention(actual, q, keys, values, positions, heads, 0, rows * heads.nHeads(),
                    workspace);
            assertClose(Tolerance.F32, expected, actual, "attention " + heads + " over a cache per row", seed);
        }
    }

    /**
     * The heads of a query row are scored two at a time where their keys share a vector, and their values summed four
     * at a time: a head's result must still be the bits it has alone, however the items are cut between calls (as
     * between threads).
     */
    @Test
    void aHeadGivesTheSameBitsWhateverHeadsAreComputedWithIt() {
        AttentionShape[] grouped = {
            new AttentionShape(8, 4, 8), new AttentionShape(8, 8, 8), new AttentionShape(6, 3, 8),
            new AttentionShape(12, 4, 8), new AttentionShape(8, 4, 4), new AttentionShape(5, 5, 4),
            new AttentionShape(4, 2, 64), new AttentionShape(3, 3, 17),
        };
        for (AttentionShape heads : grouped) {
            int rows = 3;
            int pos = 37;
            int items = rows * heads.nHeads();
            long seed = seed(heads.headSize() * 100 + heads.nHeads(), heads.kvMul());
            MemorySegment q = random(seed, rows * heads.queryDim(), 1);
            MemorySegment keys = random(seed + 1, (pos + rows) * heads.kvDim(), 1);
            MemorySegment values = random(seed + 2, (pos + rows) * heads.kvDim(), 1);
            MemorySegment together = floats(rows * heads.queryDim());
            MemorySegment alone = floats(rows * heads.queryDim());
            MemorySegment cut = floats(rows * heads.queryDim());
            AttentionKernels.attention(together, q, keys, values, pos, heads, 0, items, workspace);
            for (int item = 0; item < items; item++) {
                AttentionKernels.attention(alone, q, keys, values, pos, heads, item, item + 1, workspace);
            }
            AttentionKernels.attention(cut, q, keys, values, pos, heads, 0, 3, workspace);
            AttentionKernels.attention(cut, q, keys, values, pos, heads, 3, items, workspace);
            String shape = heads + " " + VectorMath.describe();
            assertEquals(-1, together.mismatch(alone), "all heads at once against one at a time, " + shape);
            assertEquals(-1, together.mismatch(cut), "all heads at once against cut after item 3, " + shape);
        }
    }
}
