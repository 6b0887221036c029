package dev.forwardpass.models.gguf;

import dev.forwardpass.api.DType;

/**
 * llama.cpp's {@code llama_ftype}, the {@code general.file_type} of a GGUF file: the type most of its matrices have.
 * Only the types this project writes are listed; {@code llama-quantize}'s Q4_K and Q5_K are its Q4_K_M and Q5_K_M.
 */
enum GgufFileType {
    ALL_F32(0, DType.F32),
    MOSTLY_F16(1, DType.F16),
    MOSTLY_Q4_0(2, DType.Q4_0),
    MOSTLY_Q4_1(3, DType.Q4_1),
    MOSTLY_Q8_0(7, DType.Q8_0),
    MOSTLY_Q5_0(8, DType.Q5_0),
    MOSTLY_Q5_1(9, DType.Q5_1),
    MOSTLY_Q4_K_M(15, DType.Q4_K),
    MOSTLY_Q5_K_M(17, DType.Q5_K),
    MOSTLY_Q6_K(18, DType.Q6_K),
    MOSTLY_BF16(32, DType.BF16);

    final int id;
    final DType dtype;

    GgufFileType(int id, DType dtype) {
        this.id = id;
        this.dtype = dtype;
    }

    /** {@return the file type of a file whose matrices are {@code dtype}} */
    static GgufFileType of(DType dtype) {
        for (GgufFileType t : values()) {
            if (t.dtype == dtype) {
                return t;
            }
        }
        throw new IllegalArgumentException("no llama_ftype for " + dtype);
    }

    /** {@return the name of file type {@code id}, or the number for one not listed here} */
    static String name(long id) {
        for (GgufFileType t : values()) {
            if (t.id == id) {
                return t.name();
            }
        }
        return Long.toString(id);
    }
}
