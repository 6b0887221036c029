package dev.forwardpass.models.huggingface;

import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.gpt2.Gpt2Config;
import java.util.Set;

/** Reads GPT-2's config from a Hugging Face {@code config.json} ({@code model_type: gpt2}), checking every field. */
final class HuggingFaceGpt2Config {
    /** Activations GPT-2's config may name that are the tanh approximation {@code Backend.gelu} computes. */
    static final Set<String> TANH_GELU = Set.of("gelu_new", "gelu_pytorch_tanh", "gelu_fast");

    private HuggingFaceGpt2Config() {}

    /**
     * {@return the GPT-2 config of a {@code gpt2} config.json}
     *
     * @param contextLimit the longest context to allocate for, or 0 for the config's {@code n_positions}
     */
    static Gpt2Config read(HuggingFaceConfig json, int contextLimit) throws ModelFormatException {
        int positions = json.has("n_positions") ? json.positiveInt("n_positions") : json.positiveInt("n_ctx");
        int dim = json.positiveInt("n_embd");
        int nHeads = json.positiveInt("n_head");
        if (dim % nHeads != 0) {
            throw json.error("n_head", "must divide n_embd=" + dim + ", found " + nHeads);
        }
        String activation = json.stringOr("activation_function", "gelu_new");
        if (!TANH_GELU.contains(activation)) {
            throw json.error("activation_function", "unsupported activation '" + activation
                    + "' (supported: the tanh GELU: gelu_new, gelu_pytorch_tanh, gelu_fast)");
        }
        if (!json.booleanOr("scale_attn_weights", true)) {
            throw json.error("scale_attn_weights", "unscaled attention is not supported");
        }
        if (json.booleanOr("scale_attn_by_inverse_layer_idx", false)) {
            throw json.error("scale_attn_by_inverse_layer_idx", "attention scaled by layer is not supported");
        }
        if (json.booleanOr("add_cross_attention", false)) {
            throw json.error("add_cross_attention", "cross-attention is not supported");
        }
        int seqLen = contextLimit > 0 ? Math.min(positions, contextLimit) : positions;
        return new Gpt2Config(dim, json.positiveIntOr("n_inner", 4 * dim), json.positiveInt("n_layer"), nHeads,
                json.positiveInt("vocab_size"), positions, seqLen, json.positiveFloatOr("layer_norm_epsilon", 1e-5f));
    }
}
