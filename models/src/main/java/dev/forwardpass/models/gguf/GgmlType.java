package dev.forwardpass.models.gguf;

import dev.forwardpass.api.DType;

/**
 * ggml's tensor types as GGUF files number them ({@code enum ggml_type} in ggml.h): how many elements a block holds
 * and how many bytes it takes, so that a tensor's size can be checked against the file whatever its type.
 */
enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    BF16(30, 1, 2);

    final int id;
    final int blockElements;
    final int blockBytes;

    GgmlType(int id, int blockElements, int blockBytes) {
        this.id = id;
        this.blockElements = blockElements;
        this.blockBytes = blockBytes;
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

    /** {@return the backend dtype of this type (the same name), or null if the backends do not take it as weights} */
    DType dtype() {
        for (DType d : DType.values()) {
            if (d.name().equals(name())) {
                return d;
            }
        }
        return null;
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
