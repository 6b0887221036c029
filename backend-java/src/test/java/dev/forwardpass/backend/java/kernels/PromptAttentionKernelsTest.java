package dev.forwardpass.backend.java.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.conformance.Tolerance;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The attention of a prompt's rows a block at a time, against the oracle and against itself cut other ways. */
class PromptAttentionKernelsTest extends KernelComparisonTest {
    private static final AttentionShape[] SHAPES = {
        new AttentionShape(1, 1, 1), new AttentionShape(2, 2, 7), new AttentionShape(8, 4, 8),
        new AttentionShape(4, 1, 15), new AttentionShape(3, 3, 16), new AttentionShape(6, 3, 6),
    };
    /** Query rows a block: one a lane. */
    private static final int BLOCK = VectorMath.F.length();

    @BeforeEach
    void vectorsOn() {
        assumeTrue(VectorMath.VECTORIZED, "the kernel runs with the Vector API only");
    }

    @Test
    void takesPromptsOfShortHeadsOnly() {
        AttentionShape stories260K = new AttentionShape(8, 4, 8);
        assertTrue(PromptAttentionKernels.applies(BLOCK, stories260K));
        assertFalse(PromptAttentionKernels.applies(BLOCK - 1, stories260K), "fewer rows than a block");
        assertTrue(PromptAttentionKernels.applies(128, new AttentionShape(2, 2, PromptAttentionKernels.MAX_HEAD_SIZE)));
        assertFalse(PromptAttentionKernels.applies(128, new AttentionShape(2, 2, PromptAttentionKernels.MAX_HEAD_SIZE + 1)));
        assertEquals(3 * 8, PromptAttentionKernels.items(2 * BLOCK + 1, stories260K));
    }

    @Test
    void attention() {
        for (AttentionShape heads : SHAPES) {
            for (int pos : new int[] {0, 1, 40}) {
                // a block, a block and a row (the last block moved back over the first), two and a bit
                for (int rows : new int[] {BLOCK, BLOCK + 1, 2 * BLOCK + 5}) {
                    int seqLen = pos + rows + 3;
                    long seed = seed(heads.headSize() * 100 + heads.nHeads(), pos * 1000 + rows);
                    AttentionCase c = attentionCase(seed, heads, rows, pos, seqLen);
                    MemorySegment actual = floats(rows * heads.queryDim());
                    PromptAttentionKernels.attention(actual, c.q(), c.keys(), c.values(), rows, pos, heads, 0,
                            PromptAttentionKernels.items(rows, heads), workspace);
                    assertClose(Tolerance.F32, c.expected(), actual,
                            "prompt attention " + heads + " B=" + rows + " pos=" + pos, seed);
                }
            }
        }
    }

    /**
     * A row's result must not depend on the block it falls in, on the rows after it, or on how the items are cut
     * between calls (as between threads): rows prefilled in two chunks must give the bits of one chunk.
     */
    @Test
    void aRowGivesTheSameBitsInEveryBlockAndChunk() {
        for (AttentionShape heads : SHAPES) {
            int rows = 3 * BLOCK + 3;
            int pos = 5;
            long seed = seed(heads.headSize() * 100 + heads.nHeads(), heads.kvMul());
            MemorySegment q = random(seed, rows * heads.queryDim(), 1);
            MemorySegment keys = random(seed + 1, (pos + rows) * heads.kvDim(), 1);
            MemorySegment values = random(seed + 2, (pos + rows) * heads.kvDim(), 1);
            int items = PromptAttentionKernels.items(rows, heads);
            MemorySegment whole = floats(rows * heads.queryDim());
            PromptAttentionKernels.attention(whole, q, keys, values, rows, pos, heads, 0, items, workspace);
            MemorySegment oneByOne = floats(rows * heads.queryDim());
            for (int item = 0; item < items; item++) {
                PromptAttentionKernels.attention(oneByOne, q, keys, values, rows, pos, heads, item, item + 1,
                        workspace);
            }
            // two chunks of rows, the second at the positions after the first, its block edges elsewhere
            int first = BLOCK + 2;
            long firstBytes = (long) first * heads.queryDim() * Float.BYTES;
            MemorySegment chunks = floats(rows * heads.queryDim());
            PromptAttentionKernels.attention(chunks, q, keys, values, first, pos, heads, 0,
                    PromptAttentionKernels.items(first, heads), workspace);
            PromptAttentionKernels.attention(chunks.asSlice(firstBytes), q.asSlice(firstBytes), keys, values,
                    rows - first, pos + first, heads, 0, PromptAttentionKernels.items(rows - first, heads), workspace);
            String shape = heads + " " + VectorMath.describe();
            assertEquals(-1, whole.mismatch(oneByOne), "all items at once against one at a time, " + shape);
            assertEquals(-1, whole.mismatch(chunks), "one chunk of " + rows + " rows against " + first + " then "
                    + (rows - first) + ", " + shape);
        }
    }
}
