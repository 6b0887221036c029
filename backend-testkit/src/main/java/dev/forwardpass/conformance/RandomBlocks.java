package dev.forwardpass.conformance;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.quant.Dequantizer;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * Seeded random weights of a block type, with no quantizer: each block is random bytes, drawn again until the values
 * it holds ({@link Dequantizer}) are all finite and the largest is between 1/4 and 1 in magnitude. So the scales of
 * every layout are small normal (or subnormal) F16 values and the weights are of the size the matmul tolerances are
 * made for (inputs in [-1, 1]), while the quantized integers, bit fields and sub-block scales are uniformly random.
 */
public final class RandomBlocks {
    private static final float MIN_LARGEST = 0.25f;
    private static final float MAX_LARGEST = 1f;

    private RandomBlocks() {}

    /**
     * {@return {@code elements} weights of {@code type} (whole blocks), in heap memory}
     *
     * @throws IllegalArgumentException if {@code type} is not a block type or elements are not whole blocks
     */
    public static MemorySegment of(DType type, int elements, long seed) {
        if (!type.isQuantized()) {
            throw new IllegalArgumentException(type + " is not a block type");
        }
        int blockBytes = type.blockBytes();
        byte[] bytes = new byte[Math.toIntExact(type.byteSize(elements))];
        byte[] block = new byte[blockBytes];
        float[] values = new float[type.blockSize()];
        SplittableRandom random = new SplittableRandom(seed);
        for (int at = 0; at < bytes.length; at += blockBytes) {
            do {
                random.nextBytes(block);
                Dequantizer.dequantize(type, MemorySegment.ofArray(block), 0, values, 0, values.length);
            } while (!ofUsefulSize(values));
            System.arraycopy(block, 0, bytes, at, blockBytes);
        }
        return MemorySegment.ofArray(bytes);
    }

    private static boolean ofUsefulSize(float[] values) {
        float largest = 0;
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
            largest = Math.max(largest, Math.abs(v));
        }
        return largest >= MIN_LARGEST && largest <= MAX_LARGEST;
    }
}
