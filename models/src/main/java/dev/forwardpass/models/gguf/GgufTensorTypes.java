package dev.forwardpass.models.gguf;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;

/**
 * The type each tensor of a file gets when one type is asked for, by llama.cpp's rules for a pure type
 * ({@code llama-quantize --pure}, src/llama-quant.cpp):
 *
 * <ul>
 *   <li>only a matrix whose name ends in {@code weight} takes the type; norms ({@code _norm.weight}) and the learned
 *       position embedding do not ({@code tensor_allows_quantization}), and neither do vectors: those are written F32,
 *       as {@code convert_hf_to_gguf.py} writes every vector;</li>
 *   <li>a matrix whose rows are not whole blocks of the type falls back ({@code tensor_type_fallback}): Q4_K to Q5_0,
 *       Q5_K to Q5_1, Q6_K to Q8_0, and to F16 when that does not fit either. llama.cpp has no fallback for the
 *       32-element types and refuses the file (stories260K's 172-wide rows, say); here they fall back to F16 too.</li>
 * </ul>
 */
final class GgufTensorTypes {
    private GgufTensorTypes() {}

    /** {@return whether the tensor {@code name} of {@code shape} takes the type asked for, before any fallback} */
    static boolean takesTheType(String name, Shape shape) {
        return shape.rank() == 2 && name.endsWith("weight") && !name.contains("_norm.weight")
                && !name.equals("position_embd.weight");
    }

    /** {@return the type of tensor {@code name} of {@code shape} when {@code requested} is asked for} */
    static DType typeOf(String name, Shape shape, DType requested) {
        if (!takesTheType(name, shape)) {
            return DType.F32;
        }
        int rowLength = shape.dim(1);
        if (rowLength % requested.blockSize() == 0) {
            return requested;
        }
        DType fallback = switch (requested) {
            case Q4_K -> DType.Q5_0;
            case Q5_K -> DType.Q5_1;
            case Q6_K -> DType.Q8_0;
            default -> DType.F16;
        };
        return rowLength % fallback.blockSize() == 0 ? fallback : DType.F16;
    }
}
