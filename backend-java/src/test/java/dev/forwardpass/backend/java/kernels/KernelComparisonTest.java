package dev.forwardpass.backend.java.kernels;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.DType;
import dev.forwardpass.conformance.RandomBlocks;
import dev.forwardpass.conformance.Tolerance;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;

/**
 * What the tests of the vector kernels share: each compares a kernel with its scalar definition, on seeded random
 * inputs of sizes that hit every tail case. Surefire runs these tests (tag {@value #TAG}) four times: with the CPU's
 * widest vectors, forced to 128 and 256 bits, and with the Vector API off ({@value VectorMath#VECTOR_BITS_PROPERTY}),
 * so every path is covered on any machine.
 *
 * <p>Tolerances: {@link Tolerance#F32} (1e-5 absolute + 1e-4 relative) for float arithmetic against the double
 * oracle; for matmul the absolute part is scaled by sqrt(n) (inputs in [-1, 1]: a float dot product's rounding error
 * and its size both grow like sqrt(n)); exact where the kernels promise bit-identical results (weight widening,
 * embedding, rope, the tiling of matmul and its order of multiply-adds).
 */
@Tag(KernelComparisonTest.TAG)
abstract class KernelComparisonTest {
    /** The tag backend-java's pom reruns at every vector width. */
    static final String TAG = "vector-kernels";

    static final int[] SIZES = {1, 7, 8, 15, 16, 17, 63, 64, 65, 257, 4099};

    final Arena arena = Arena.ofConfined();
    final Workspace workspace = new Workspace();

    @AfterEach
    void freeMemory() {
        arena.close();
    }

    void assertClose(Tolerance tolerance, MemorySegment expected, MemorySegment actual, String op, long seed) {
        int n = Math.toIntExact(expected.byteSize() / Float.BYTES);
        tolerance.assertClose(toArray(expected, n), toArray(actual, n),
                op + " seed=" + seed + " " + VectorMath.describe());
    }

    static float[] toArray(MemorySegment segment, int n) {
        float[] values = new float[n];
        MemorySegment.copy(segment, Elements.F32, 0, values, 0, n);
        return values;
    }

    static long seed(int size, int variant) {
        return size * 1_000_003L + variant;
    }

    /** Seeded inputs of an attention of {@code rows} query rows at pos over a cache, and the oracle's output. */
    record AttentionCase(MemorySegment q, MemorySegment keys, MemorySegment values, MemorySegment expected) {}

    /** {@return q (rows, queryDim) and keys and values (seqLen, kvDim) in [-1, 1], and ScalarKernels' attention} */
    AttentionCase attentionCase(long seed, AttentionShape heads, int rows, int pos, int seqLen) {
        MemorySegment q = random(seed, rows * heads.queryDim(), 1);
        MemorySegment keys = random(seed + 1, seqLen * heads.kvDim(), 1);
        MemorySegment values = random(seed + 2, seqLen * heads.kvDim(), 1);
        MemorySegment expected = floats(rows * heads.queryDim());
        ScalarKernels.attention(expected, q, keys, values, rows, pos, heads);
        return new AttentionCase(q, keys, values, expected);
    }

    MemorySegment floats(int n) {
        return arena.allocate((long) n * Float.BYTES, 64);
    }

    /** {@return n floats uniform in [-scale, scale]} */
    MemorySegment random(long seed, int n, float scale) {
        SplittableRandom random = new SplittableRandom(seed);
        MemorySegment segment = floats(n);
        for (int i = 0; i < n; i++) {
            Elements.setFloat(segment, i, (float) ((random.nextDouble() * 2 - 1) * scale));
        }
        return segment;
    }

    /** {@return the row lengths to test weights of {@code type} with: {@link #SIZES}, or 1, 2, 3 and 17 blocks} */
    static int[] sizes(DType type) {
        int b = type.blockSize();
        return type.isQuantized() ? new int[] {b, 2 * b, 3 * b, 17 * b} : SIZES;
    }

    /** {@return n random weights in [-1, 1] stored as {@code type}} ({@link RandomBlocks} for a block type) */
    MemorySegment weights(long seed, int n, DType type) {
        if (type == DType.F32) {
            return random(seed, n, 1);
        }
        if (type.isQuantized()) {
            MemorySegment blocks = RandomBlocks.of(type, n, seed);
            return arena.allocate(blocks.byteSize(), 64).copyFrom(blocks);
        }
        SplittableRandom random = new SplittableRandom(seed);
        MemorySegment segment = arena.allocate((long) n * 2);
        for (int i = 0; i < n; i++) {
            float v = (float) (random.nextDouble() * 2 - 1);
            short bits = type == DType.F16 ? Float.floatToFloat16(v) : (short) (Float.floatToRawIntBits(v) >>> 16);
            segment.setAtIndex(Elements.BITS16, i, bits);
        }
        return segment;
    }
}
