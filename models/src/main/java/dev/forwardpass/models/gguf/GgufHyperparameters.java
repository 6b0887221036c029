package dev.forwardpass.models.gguf;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.models.decoder.DecoderConfig;
import dev.forwardpass.models.gpt2.Gpt2Config;
import dev.forwardpass.models.llama.LlamaConfig;

/**
 * A config as llama.cpp's GGUF metadata states it, as {@code convert_hf_to_gguf.py} writes it: the architecture's
 * name and its {@code <arch>.*} keys, the ones {@link GgufArchitectures} reads back.
 */
final class GgufHyperparameters {
    private GgufHyperparameters() {}

    /**
     * {@return the {@code general.architecture} of {@code config}}: {@code qwen2} for a Llama-family config with q/k/v
     * biases, {@code llama} for one without, {@code gpt2}
     *
     * @throws IllegalArgumentException for what llama.cpp's architectures cannot say (Llama 3's rope scaling, which it
     *     stores as a {@code rope_freqs} tensor this writer does not write)
     */
    static String architecture(DecoderConfig config) {
        return switch (config) {
            case LlamaConfig c -> {
                checkArgument(c.ropeScaling() == null, "Llama 3's rope scaling is not written to GGUF yet");
                yield c.qkvBias() ? "qwen2" : "llama";
            }
            case Gpt2Config c -> "gpt2";
            default -> throw new IllegalArgumentException("no GGUF architecture for " + config);
        };
    }

    /**
     * {@return how a file of {@code architecture} stores the query and key rows of each head}: llama.cpp's converter
     * permutes Llama's back to Meta's interleaved pairs and keeps Qwen2's as Hugging Face has them (as
     * {@link GgufArchitectures} reads them)
     */
    static RopeLayout ropeLayout(String architecture) {
        return architecture.equals("qwen2") ? RopeLayout.HALF_SPLIT : RopeLayout.INTERLEAVED;
    }

    /** Puts the {@code <arch>.*} keys of {@code config}. */
    static void put(DecoderConfig config, GgufKeyValues metadata) {
        String arch = architecture(config);
        switch (config) {
            case LlamaConfig c -> {
                metadata.uint32(arch + ".context_length", c.seqLen())
                        .uint32(arch + ".embedding_length", c.dim())
                        .uint32(arch + ".block_count", c.nLayers())
                        .uint32(arch + ".feed_forward_length", c.hiddenDim())
                        .uint32(arch + ".attention.head_count", c.nHeads())
                        .uint32(arch + ".attention.head_count_kv", c.nKvHeads())
                        .uint32(arch + ".rope.dimension_count", c.headSize())
                        .float32(arch + ".rope.freq_base", c.ropeTheta())
                        .float32(arch + ".attention.layer_norm_rms_epsilon", c.normEps());
                if (c.headSize() * c.nHeads() != c.dim()) {
                    // a head_dim other than dim / heads (llama.cpp's default)
                    metadata.uint32(arch + ".attention.key_length", c.headSize())
                            .uint32(arch + ".attention.value_length", c.headSize());
                }
            }
            case Gpt2Config c -> metadata.uint32("gpt2.context_length", c.nPositions())
                    .uint32("gpt2.embedding_length", c.dim())
                    .uint32("gpt2.block_count", c.nLayers())
                    .uint32("gpt2.feed_forward_length", c.hiddenDim())
                    .uint32("gpt2.attention.head_count", c.nHeads())
                    .float32("gpt2.attention.layer_norm_epsilon", c.normEps());
            default -> throw new IllegalArgumentException("no GGUF architecture for " + config);
        }
    }
}
