package dev.forwardpass.benchmarks;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.quant.Dequantizer;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * Random weights of a block type for benchmarks, with no quantizer: a pool of random blocks, each drawn until the
 * values it holds ({@link Dequantizer}) are finite and at most 1 in magnitude (so its F16 scales are small), laid out
 * in a seeded random order. The values do not change the work a kernel does; finite ones keep a forward pass's
 * arithmetic (and its timing) ordinary.
 */
final class BlockWeights {
    private static final int POOL_BLOCKS = 1024;

    private BlockWeights() {}

    /** Fills {@code segment} (whole blocks of {@code type}) with random blocks of the pool. */
    static void fill(MemorySegment segment, DType type, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int blockBytes = type.blockBytes();
        byte[] pool = new byte[POOL_BLOCKS * blockBytes];
        byte[] block = new byte[blockBytes];
        float[] values = new float[type.blockSize()];
        for (int b = 0; b < POOL_BLOCKS; b++) {
            do {
                random.nextBytes(block);
                Dequantizer.dequantize(type, MemorySegment.ofArray(block), 0, values, 0, values.length);
            } while (!finiteAndSmall(values));
            System.arraycopy(block, 0, pool, b * blockBytes, blockBytes);
        }
        MemorySegment from = MemorySegment.ofArray(pool);
        for (long at = 0; at < segment.byteSize(); at += blockBytes) {
            MemorySegment.copy(from, (long) random.nextInt(POOL_BLOCKS) * blockBytes, segment, at, blockBytes);
        }
    }

    private static boolean finiteAndSmall(float[] values) {
        for (float v : values) {
            if (!(Math.abs(v) <= 1)) { // false for NaN too
                return false;
            }
        }
        return true;
    }
}
