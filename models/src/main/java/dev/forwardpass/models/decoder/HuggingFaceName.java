package dev.forwardpass.models.decoder;

/**
 * Where a Hugging Face checkpoint keeps a tensor: a column of an architecture's tensor table, data only (the reader
 * in {@code dev.forwardpass.models.huggingface} does the reading).
 *
 * @param name the name after the family's prefixes ({@code model.} and {@code layers.N.} for Llama), e.g.
 *     {@code self_attn.q_proj.weight}
 * @param unprefixed whether the name stands without the family's prefix ({@code lm_head.weight})
 * @param transposed whether the file stores the transpose, {@code [in, out]} (GPT-2's {@code Conv1D} layers)
 * @param part which of {@code parts} equal slices of the file's tensor along its output dimension this tensor is
 *     (GPT-2's fused {@code c_attn}: query, key, value)
 * @param parts how many tensors the file's tensor fuses; 1 for a tensor of its own
 */
public record HuggingFaceName(String name, boolean unprefixed, boolean transposed, int part, int parts) {

    /** {@return a tensor stored as it is used, under {@code name}} */
    public static HuggingFaceName hf(String name) {
        return new HuggingFaceName(name, false, false, 0, 1);
    }

    /** {@return a tensor stored under {@code name} without the family's prefix} */
    public static HuggingFaceName hfUnprefixed(String name) {
        return new HuggingFaceName(name, true, false, 0, 1);
    }

    /** {@return slice {@code part} of {@code parts} of the vector {@code name}} */
    public static HuggingFaceName hf(String name, int part, int parts) {
        return new HuggingFaceName(name, false, false, part, parts);
    }

    /** {@return a linear weight stored transposed, {@code [in, out]}, as a {@code Conv1D} stores it} */
    public static HuggingFaceName hfConv1d(String name) {
        return new HuggingFaceName(name, false, true, 0, 1);
    }

    /** {@return the output columns of slice {@code part} of {@code parts} of a {@code Conv1D} weight, transposed} */
    public static HuggingFaceName hfConv1d(String name, int part, int parts) {
        return new HuggingFaceName(name, false, true, part, parts);
    }
}
