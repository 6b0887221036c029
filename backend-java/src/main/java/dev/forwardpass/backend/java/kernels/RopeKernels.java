package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static dev.forwardpass.backend.java.kernels.VectorMath.VECTORIZED;
import static dev.forwardpass.backend.java.kernels.VectorMath.xorShuffle;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import dev.forwardpass.api.Rope;
import dev.forwardpass.api.RopeLayout;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/** Rotary position embedding with the Vector API. */
public final class RopeKernels {
    /** Swaps the elements of each adjacent pair (2i, 2i+1): the partner of each element in interleaved RoPE. */
    private static final VectorShuffle<Float> SWAP_PAIRS = xorShuffle(1);

    private RopeKernels() {}

    /**
     * Rotary position embedding, in place; bit-identical to {@link ScalarKernels#rope} (same float operations, no
     * fused multiply-add). The cosines and sines of a position are computed once into the workspace and applied to
     * every head.
     *
     * @param x (B, width), width a multiple of rope.headSize(); row b is at position pos + b
     */
    public static void rope(MemorySegment x, int rows, int width, int pos, Rope rope, Workspace workspace) {
        MemorySegment table = workspace.floats(2L * tableFloats(rope)); // cos then sin (tableFloats each)
        for (int b = 0; b < rows; b++) {
            ropeRow(x, b, width, pos + b, rope, table);
        }
    }

    /**
     * Rotary position embedding, in place, of rows at positions of their own; bit-identical to
     * {@link ScalarKernels#rope(MemorySegment, int, int[], Rope)}.
     *
     * @param x (B, width), width a multiple of rope.headSize(); row b is at position positions[b]
     * @param positions (B,)
     */
    public static void rope(MemorySegment x, int width, int[] positions, Rope rope, Workspace workspace) {
        MemorySegment table = workspace.floats(2L * tableFloats(rope));
        for (int b = 0; b < positions.length; b++) {
            ropeRow(x, b, width, positions[b], rope, table);
        }
    }

    /** {@return the cosines (and as many sines) a position's table holds: a head's, or a vector's for short heads} */
    private static int tableFloats(Rope rope) {
        return Math.max(rope.headSize(), F.length());
    }

    /**
     * {@return whether interleaved heads of this size are rotated a vector of several heads at a time}: heads shorter
     * than a vector that divide it (stories260K's 8 floats in 16 lanes), in rows of whole vectors; one pair at a time
     * in scalar code, they took 7 % of a stories260K prefill in a profile
     */
    private static boolean rotatesHeadsPerVector(Rope rope, int width) {
        return VECTORIZED && rope.layout() == RopeLayout.INTERLEAVED && rope.headSize() < F.length()
                && F.length() % rope.headSize() == 0 && width % F.length() == 0;
    }

    /** Rotates every head of row b of x (B, width) for position p, with table as scratch for its cos and sin. */
    private static void ropeRow(MemorySegment x, int b, int width, int p, Rope rope, MemorySegment table) {
        int headSize = rope.headSize();
        long tableBytes = (long) tableFloats(rope) * Float.BYTES;
        boolean interleaved = rope.layout() == RopeLayout.INTERLEAVED;
        fillRotationTable(table, tableBytes, p, rope, interleaved);
        if (rotatesHeadsPerVector(rope, width)) {
            // the head's table repeated across the vector: each vector of the row is whole heads
            long headBytes = (long) headSize * Float.BYTES;
            for (long at = headBytes; at < tableBytes; at += headBytes) {
                MemorySegment.copy(table, 0, table, at, headBytes);
                MemorySegment.copy(table, tableBytes, table, tableBytes + at, headBytes);
            }
            rotateInterleavedRow(x, (long) b * width * Float.BYTES, width, table, tableBytes);
            return;
        }
        for (long head = (long) b * width; head < (long) (b + 1) * width; head += headSize) {
            long headOffset = head * Float.BYTES;
            if (interleaved) {
                rotateInterleaved(x, headOffset, headSize, table, tableBytes);
            } else {
                rotateHalves(x, headOffset, headSize, table, tableBytes);
            }
        }
    }

    /**
     * {@link #rotateInterleaved} of a row of heads shorter than a vector: the same expression, with one vector of
     * cosines and one of sines (the head's repeated) for every vector of the row.
     */
    private static void rotateInterleavedRow(MemorySegment x, long row, int width, MemorySegment table, long sinAt) {
        FloatVector cos = fromMemorySegment(F, table, 0, LE);
        FloatVector sin = fromMemorySegment(F, table, sinAt, LE);
        for (int j = 0; j < width; j += F.length()) {
            long o = row + (long) j * Float.BYTES;
            FloatVector v = fromMemorySegment(F, x, o, LE);
            v.mul(cos).add(v.rearrange(SWAP_PAIRS).mul(sin)).intoMemorySegment(x, o, LE);
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
            rotatePair(x, head + o0, head + o1, table.get(F32, o0), table.get(F32, sinAt + o1));
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
            rotatePair(x, head + o, head + partner + o, table.get(F32, o), table.get(F32, sinAt + o));
        }
    }

    /** Rotates the pair of floats at byte offsets at0 and at1 by the angle whose cosine is fcr and sine fci. */
    private static void rotatePair(MemorySegment x, long at0, long at1, float fcr, float fci) {
        float v0 = x.get(F32, at0);
        float v1 = x.get(F32, at1);
        x.set(F32, at0, v0 * fcr - v1 * fci);
        x.set(F32, at1, v0 * fci + v1 * fcr);
    }
}
