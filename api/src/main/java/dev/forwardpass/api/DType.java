package dev.forwardpass.api;

/**
 * Element types of tensors. Activations are always {@link #F32}; weights may be any of these.
 *
 * <p>The block types are ggml's (llama.cpp's GGUF files hold them): a row is cut into blocks of {@link #blockSize()}
 * elements, each stored in {@link #blockBytes()} bytes as small integers with their scales. The bytes of a block mean
 * what ggml's {@code dequantize_row_*} says they mean; {@link dev.forwardpass.api.quant.Dequantizer} is that
 * definition in Java. A tensor of a block type is a matrix {@code [rows, columns]} whose rows are whole blocks.
 */
public enum DType {
    /** IEEE 754 binary32. */
    F32(1, 4),
    /** IEEE 754 binary16. */
    F16(1, 2),
    /** bfloat16: the upper 16 bits of a binary32. */
    BF16(1, 2),
    /** 32 signed bytes and an F16 scale. */
    Q8_0(32, 34),
    /** 32 nibbles minus 8 and an F16 scale. */
    Q4_0(32, 18),
    /** 32 nibbles, an F16 scale and an F16 offset. */
    Q4_1(32, 20),
    /** 32 five-bit values minus 16 and an F16 scale. */
    Q5_0(32, 22),
    /** 32 five-bit values, an F16 scale and an F16 offset. */
    Q5_1(32, 24),
    /** 256 nibbles in 8 groups of 32, each with a 6-bit scale and offset, both scaled by two F16s. */
    Q4_K(256, 144),
    /** As {@link #Q4_K} with a fifth bit per value. */
    Q5_K(256, 176),
    /** 256 six-bit values minus 32 in 16 groups of 16, each with an 8-bit scale, scaled by one F16. */
    Q6_K(256, 210);

    private final int blockSize;
    private final int blockBytes;

    DType(int blockSize, int blockBytes) {
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** {@return how many elements one block holds: 1 for the plain float types} */
    public int blockSize() {
        return blockSize;
    }

    /** {@return how many bytes one block takes} */
    public int blockBytes() {
        return blockBytes;
    }

    /** {@return whether this is a block type, whose elements are stored as integers with per-block scales} */
    public boolean isQuantized() {
        return blockSize > 1;
    }

    /**
     * {@return the bytes of {@code elements} elements}, which must be whole blocks
     *
     * @throws IllegalArgumentException if {@code elements} is not a multiple of {@link #blockSize()}
     * @throws ArithmeticException if the size does not fit a long
     */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(elements + " elements are not whole " + this + " blocks of "
                    + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }
}
