package dev.forwardpass.models.gguf;

import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.models.decoder.Architecture;
import dev.forwardpass.models.decoder.DecoderConfig;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.gpt2.Gpt2;
import dev.forwardpass.models.gpt2.Gpt2Config;
import dev.forwardpass.models.llama.Llama;
import dev.forwardpass.models.llama.LlamaConfig;
import java.util.Map;
import java.util.TreeMap;

/**
 * The registry of the architectures a GGUF file may hold: {@code general.architecture} to the family's description
 * and how its config is read from the metadata ({@code <arch>.embedding_length} and so on, llama.cpp's keys).
 */
final class GgufArchitectures {
    private GgufArchitectures() {}

    /** Larger dimensions are taken for a corrupt file rather than a model. */
    static final int MAX_DIMENSION = 1 << 24;

    /** Reads a family's config from the metadata, with a session context of at most {@code contextLimit}. */
    @FunctionalInterface
    interface ConfigReader<C> {
        C read(GgufMetadata metadata, int vocabSize, int contextLimit) throws ModelFormatException;
    }

    /**
     * What an architecture name is.
     *
     * @param architecture the family
     * @param configReader how its config is read
     */
    record Entry<C extends Record & DecoderConfig>(Architecture<C> architecture, ConfigReader<C> configReader) {}

    private static final Map<String, Entry<?>> BY_NAME = new TreeMap<>(Map.of(
            // llama.cpp's converter stores Llama's q and k rows back in Meta's order: RoPE rotates adjacent pairs
            "llama", new Entry<>(Llama.ARCHITECTURE,
                    (m, vocab, limit) -> llama(m, "llama", vocab, limit, RopeLayout.INTERLEAVED, false)),
            // Qwen2's rows are stored as Hugging Face has them (rotate_half), with q, k and v biases
            "qwen2", new Entry<>(Llama.ARCHITECTURE,
                    (m, vocab, limit) -> llama(m, "qwen2", vocab, limit, RopeLayout.HALF_SPLIT, true)),
            "gpt2", new Entry<>(Gpt2.ARCHITECTURE, GgufArchitectures::gpt2)));

    /** {@return the entry of {@code general.architecture}} */
    static Entry<?> of(GgufMetadata metadata) throws ModelFormatException {
        String name = metadata.string("general.architecture");
        Entry<?> entry = BY_NAME.get(name);
        if (entry == null) {
            throw metadata.error("general.architecture", "unsupported architecture '" + name + "' (supported: "
                    + String.join(", ", BY_NAME.keySet()) + ")");
        }
        return entry;
    }

    /** {@return the GPT-2 config of the metadata} */
    private static Gpt2Config gpt2(GgufMetadata m, int vocabSize, int contextLimit) throws ModelFormatException {
        int dim = m.positiveInt("gpt2.embedding_length", MAX_DIMENSION);
        int nHeads = m.positiveInt("gpt2.attention.head_count", MAX_DIMENSION);
        if (dim % nHeads != 0) {
            throw m.error("gpt2.attention.head_count", "must divide embedding_length=" + dim + ", found " + nHeads);
        }
        int positions = m.positiveInt("gpt2.context_length", MAX_DIMENSION);
        return new Gpt2Config(dim, m.positiveInt("gpt2.feed_forward_length", MAX_DIMENSION),
                m.positiveInt("gpt2.block_count", MAX_DIMENSION), nHeads, vocabSize, positions,
                contextLimit > 0 ? Math.min(positions, contextLimit) : positions,
                m.positiveFloatOr("gpt2.attention.layer_norm_epsilon", 1e-5f));
    }

    /** {@return the Llama-family config of the metadata under {@code arch.}} */
    private static LlamaConfig llama(GgufMetadata m, String arch, int vocabSize, int contextLimit, RopeLayout layout,
            boolean qkvBias) throws ModelFormatException {
        int dim = m.positiveInt(arch + ".embedding_length", MAX_DIMENSION);
        int hiddenDim = m.positiveInt(arch + ".feed_forward_length", MAX_DIMENSION);
        int nLayers = m.positiveInt(arch + ".block_count", MAX_DIMENSION);
        int nHeads = m.positiveInt(arch + ".attention.head_count", MAX_DIMENSION);
        int nKvHeads = m.positiveIntOr(arch + ".attention.head_count_kv", nHeads, MAX_DIMENSION);
        if (nHeads % nKvHeads != 0) {
            throw m.error(arch + ".attention.head_count_kv", "must divide head_count=" + nHeads + ", found " + nKvHeads);
        }
        if (dim % nHeads != 0) {
            throw m.error(arch + ".attention.head_count", "must divide embedding_length=" + dim + ", found " + nHeads);
        }
        int headSize = m.positiveIntOr(arch + ".attention.key_length", dim / nHeads, MAX_DIMENSION);
        if (headSize % 2 != 0) {
            throw m.error(arch + ".attention.key_length", "the head size must be even for rotary embeddings, found "
                    + headSize);
        }
        int seqLen = m.positiveInt(arch + ".context_length", MAX_DIMENSION);
        if (contextLimit > 0) {
            seqLen = Math.min(seqLen, contextLimit);
        }
        String scaling = m.stringOr(arch + ".rope.scaling.type", "none");
        if (!scaling.equals("none")) {
            throw m.error(arch + ".rope.scaling.type", "rope scaling '" + scaling + "' is not supported (supported: none)");
        }
        float normEps = m.positiveFloatOr(arch + ".attention.layer_norm_rms_epsilon", 1e-5f);
        float ropeTheta = m.positiveFloatOr(arch + ".rope.freq_base", 10000f);
        if (!(ropeTheta > 1)) {
            throw m.error(arch + ".rope.freq_base", "must be > 1, found " + ropeTheta);
        }
        return new LlamaConfig(dim, hiddenDim, nLayers, nHeads, nKvHeads, headSize, vocabSize, seqLen, normEps,
                ropeTheta, layout, qkvBias, null);
    }
}
