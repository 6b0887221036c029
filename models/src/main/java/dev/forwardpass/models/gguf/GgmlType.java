package dev.forwardpass.models.gguf;

import dev.forwardpass.api.DType;

/**
 * ggml's tensor types as GGUF files number them ({@code enum ggml_type} in ggml.h): how many elements a block holds
 * and how many bytes it takes, so that a tensor's size can be checked against the file whatever its type.
 */
enum GgmlType {
    F32(0, DType.F32),
    F16(1, DType.F16),
    Q4_0(2, DType.Q4_0),
    Q4_1(3, DType.Q4_1),
    Q5_0(6, DType.Q5_0),
    Q5_1(7, DType.Q5_1),
    Q8_0(8, DType.Q8_0),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, DType.Q4_K),
    Q5_K(13, DType.Q5_K),
    Q6_K(14, DType.Q6_K),
    Q8_K(15, 256, 292),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    BF16(30, DType.BF16);

    final int id;
    final int blockElements;
    final int blockBytes;
    /** The backends' dtype of this type, or null if they do not take it as weights. */
    private final DType dtype;

    /** A type the backends do not take: its block as ggml.c's type traits give it. */
    GgmlType(int id, int blockElements, int blockBytes) {
        this.id = id;
        this.blockElements = blockElements;
        this.blockBytes = blockBytes;
        this.dtype = null;
    }

    /** A type the backends take: its block is {@code dtype}'s. */
    GgmlType(int id, DType dtype) {
        this.id = id;
        this.blockElements = dtype.blockSize();
        this.blockBytes = dtype.blockBytes();
        this.dtype = dtype;
    }

    /** {@return the type numbered {@code id}, or null if this reader does not know it} */
    static GgmlType of(int id) {
        for (GgmlType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }

    /** {@return the backend dtype of this type, or null if the backends do not take it as weights} */
    DType dtype() {
        return dtype;
    }

    /** {@return the types the backends take, for messages} */
    static String supported() {
        StringBuilder names = new StringBuilder();
        for (GgmlType t : values()) {
            if (t.dtype() != null) {
                names.append(names.isEmpty() ? "" : ", ").append(t);
            }
        }
        return names.toString();
    }
}
