package dev.forwardpass.models.decoder;

/**
 * Where a GGUF file keeps a tensor that it fuses with others: a column of an architecture's tensor table, data only
 * (the GGUF reader and writer in {@code dev.forwardpass.models.gguf} do the work). llama.cpp stores GPT-2's query,
 * key and value as one {@code attn_qkv} tensor, their rows one after another, as OpenAI's {@code c_attn} does.
 *
 * @param name the fused tensor's name, without the {@code blk.N.} of a block's tensor: {@code attn_qkv.weight}
 * @param part which of {@code parts} equal slices of the fused tensor's outermost dimension this tensor is
 * @param parts how many tensors the fused one holds
 */
public record GgufPart(String name, int part, int parts) {
    public GgufPart {
        if (parts < 2 || part < 0 || part >= parts) {
            throw new IllegalArgumentException("part " + part + " of " + parts);
        }
    }

    /** {@return slice {@code part} of {@code parts} of the GGUF tensor {@code name}} */
    public static GgufPart ggufPart(String name, int part, int parts) {
        return new GgufPart(name, part, parts);
    }
}
