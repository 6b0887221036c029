package dev.forwardpass.api;

/** Element types of tensors. Activations are always {@link #F32}; weights may be any of these. */
public enum DType {
    /** IEEE 754 binary32. */
    F32(4),
    /** IEEE 754 binary16. */
    F16(2),
    /** bfloat16: the upper 16 bits of a binary32. */
    BF16(2);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** {@return the size of one element in bytes} */
    public int byteSize() {
        return byteSize;
    }
}
