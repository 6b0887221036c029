package dev.forwardpass.models.huggingface;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.llama.LlamaConfig;

/**
 * Reads the Llama family's config from a Hugging Face {@code config.json} ({@code model_type} {@code llama}: Llama 2/3,
 * TinyLlama, SmolLM; {@code mistral}; {@code qwen2}), checking every field it uses.
 */
final class HuggingFaceLlamaConfig {
    private HuggingFaceLlamaConfig() {}

    /** {@return the Llama config of a {@code llama}, {@code mistral} or {@code qwen2} config.json} */
    static LlamaConfig read(HuggingFaceConfig json, int contextLimit) throws ModelFormatException {
        String type = json.modelType();
        int dim = json.positiveInt("hidden_size");
        int hiddenDim = json.positiveInt("intermediate_size");
        int nLayers = json.positiveInt("num_hidden_layers");
        int nHeads = json.positiveInt("num_attention_heads");
        int nKvHeads = json.positiveIntOr("num_key_value_heads", nHeads);
        if (nHeads % nKvHeads != 0) {
            throw json.error("num_key_value_heads",
                    "must divide num_attention_heads=" + nHeads + ", found " + nKvHeads);
        }
        if (!json.has("head_dim") && dim % nHeads != 0) {
            throw json.error("num_attention_heads", "must divide hidden_size=" + dim + " (no head_dim given), found "
                    + nHeads);
        }
        int headSize = json.positiveIntOr("head_dim", dim / nHeads);
        if (headSize % 2 != 0) {
            throw json.error(json.has("head_dim") ? "head_dim" : "num_attention_heads",
                    "the head size must be even for rotary embeddings, found " + headSize);
        }
        int vocabSize = json.positiveInt("vocab_size");
        int seqLen = json.positiveInt("max_position_embeddings");
        // sliding-window attention equals full attention within the window: the context stops there
        boolean slidingWindow = switch (type) {
            case "mistral" -> json.has("sliding_window");
            case "qwen2" -> json.booleanOr("use_sliding_window", false) && json.has("sliding_window");
            default -> false;
        };
        if (slidingWindow) {
            seqLen = Math.min(seqLen, json.positiveInt("sliding_window"));
        }
        if (contextLimit > 0) {
            seqLen = Math.min(seqLen, contextLimit);
        }
        float normEps = json.positiveFloatOr("rms_norm_eps", 1e-6f);
        String activation = json.stringOr("hidden_act", "silu");
        if (!activation.equals("silu")) {
            throw json.error("hidden_act", "unsupported activation '" + activation + "' (supported: silu)");
        }
        if (json.booleanOr("mlp_bias", false)) {
            throw json.error("mlp_bias", "feed-forward biases are not supported");
        }
        // qwen2 always has q/k/v biases; llama's attention_bias would also put one on o_proj
        boolean qkvBias = type.equals("qwen2");
        if (!qkvBias && json.booleanOr("attention_bias", false)) {
            throw json.error("attention_bias", "attention biases (q, k, v and o_proj) are not supported for " + type);
        }
        // transformers 5 moves rope_theta and the scaling into rope_parameters; older configs have them at the top
        JsonNode parameters = json.node("rope_parameters");
        String scalingField = parameters != null ? "rope_parameters" : "rope_scaling";
        JsonNode scaling = parameters != null ? parameters : json.node("rope_scaling");
        float ropeTheta = parameters != null && parameters.hasNonNull("rope_theta")
                ? json.positiveFloat("rope_parameters.rope_theta", parameters.get("rope_theta"))
                : json.positiveFloatOr("rope_theta", 10000f);
        if (!(ropeTheta > 1)) {
            throw json.error("rope_theta", "must be > 1, found " + ropeTheta);
        }
        LlamaConfig.Llama3RopeScaling ropeScaling = ropeScaling(json, scalingField, scaling);
        try {
            return new LlamaConfig(dim, hiddenDim, nLayers, nHeads, nKvHeads, headSize, vocabSize, seqLen, normEps,
                    ropeTheta, RopeLayout.HALF_SPLIT, qkvBias, ropeScaling);
        } catch (IllegalArgumentException e) {
            throw json.error(HuggingFaceConfig.FILE, e.getMessage());
        }
    }

    /** {@return Llama 3's scaling from {@code rope_scaling}, or null when the config has none (or "default")} */
    private static LlamaConfig.Llama3RopeScaling ropeScaling(HuggingFaceConfig json, String field, JsonNode scaling)
            throws ModelFormatException {
        if (scaling == null) {
            return null;
        }
        if (!scaling.isObject()) {
            throw json.error(field, "must be an object, found " + scaling);
        }
        JsonNode typeNode = scaling.hasNonNull("rope_type") ? scaling.get("rope_type") : scaling.get("type");
        String type = typeNode == null || typeNode.isNull() ? "default" : typeNode.asText();
        if (type.equals("default")) {
            return null;
        }
        if (!type.equals("llama3")) {
            throw json.error(field + ".rope_type", "unsupported rope scaling '" + type + "' (supported: llama3)");
        }
        float factor = requiredFloat(json, field, scaling, "factor");
        float low = requiredFloat(json, field, scaling, "low_freq_factor");
        float high = requiredFloat(json, field, scaling, "high_freq_factor");
        JsonNode original = scaling.get("original_max_position_embeddings");
        if (original == null || !original.canConvertToExactIntegral() || original.asLong() < 1
                || original.asLong() > Integer.MAX_VALUE) {
            throw json.error(field + ".original_max_position_embeddings",
                    "must be a positive integer, found " + original);
        }
        if (!(high > low)) {
            throw json.error(field + ".high_freq_factor",
                    "must be greater than low_freq_factor=" + low + ", found " + high);
        }
        return new LlamaConfig.Llama3RopeScaling(factor, low, high, original.asInt());
    }

    private static float requiredFloat(HuggingFaceConfig json, String field, JsonNode object, String name)
            throws ModelFormatException {
        JsonNode node = object.get(name);
        if (node == null || node.isNull()) {
            throw json.error(field + "." + name, "missing");
        }
        return json.positiveFloat(field + "." + name, node);
    }
}
