package dev.forwardpass.models.huggingface;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.api.Shape;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.SafetensorsShards;
import dev.forwardpass.models.format.TensorData;
import dev.forwardpass.models.llama.LlamaCheckpoint;
import dev.forwardpass.models.llama.LlamaConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Hugging Face folder of the Llama family ({@code model_type} {@code llama}: Llama 2/3, TinyLlama, SmolLM;
 * {@code mistral}; {@code qwen2}) presented as a {@link LlamaCheckpoint}. Every tensor is a view of the mapped
 * safetensors files; nothing is copied.
 *
 * <p>The quirks, in one table (HF names after the optional {@code model.} prefix; N is the layer):
 * <table>
 *   <caption>Hugging Face tensor names and how they are read</caption>
 *   <tr><th>Hugging Face</th><th>ForwardPass (GGUF)</th><th>quirk</th></tr>
 *   <tr><td>embed_tokens.weight</td><td>token_embd.weight</td><td></td></tr>
 *   <tr><td>layers.N.input_layernorm.weight</td><td>blk.N.attn_norm.weight</td><td></td></tr>
 *   <tr><td>layers.N.self_attn.q_proj.weight</td><td>blk.N.attn_q.weight</td><td>rows permuted for
 *       {@code rotate_half} by HF's converter: read with {@link RopeLayout#HALF_SPLIT}, no un-permuting</td></tr>
 *   <tr><td>layers.N.self_attn.k_proj.weight</td><td>blk.N.attn_k.weight</td><td>same as q_proj</td></tr>
 *   <tr><td>layers.N.self_attn.v_proj.weight</td><td>blk.N.attn_v.weight</td><td></td></tr>
 *   <tr><td>layers.N.self_attn.{q,k,v}_proj.bias</td><td>blk.N.attn_{q,k,v}.bias</td><td>qwen2 only</td></tr>
 *   <tr><td>layers.N.self_attn.o_proj.weight</td><td>blk.N.attn_output.weight</td><td></td></tr>
 *   <tr><td>layers.N.post_attention_layernorm.weight</td><td>blk.N.ffn_norm.weight</td><td></td></tr>
 *   <tr><td>layers.N.mlp.gate_proj.weight</td><td>blk.N.ffn_gate.weight</td><td></td></tr>
 *   <tr><td>layers.N.mlp.up_proj.weight</td><td>blk.N.ffn_up.weight</td><td></td></tr>
 *   <tr><td>layers.N.mlp.down_proj.weight</td><td>blk.N.ffn_down.weight</td><td></td></tr>
 *   <tr><td>norm.weight</td><td>output_norm.weight</td><td></td></tr>
 *   <tr><td>lm_head.weight (no prefix)</td><td>output.weight</td><td>absent or ignored when
 *       {@code tie_word_embeddings} is true: the classifier is embed_tokens</td></tr>
 * </table>
 * Every tensor the config needs is checked (present, F32/F16/BF16, shape) when the folder is opened, and an error
 * names the tensor as the file does.
 */
final class HuggingFaceLlamaCheckpoint implements LlamaCheckpoint {
    /** Per-layer names: ForwardPass's suffix -> Hugging Face's, after {@code layers.N.}. */
    private static final Map<String, String> LAYER_NAMES = orderedMap(
            "attn_norm.weight", "input_layernorm.weight",
            "attn_q.weight", "self_attn.q_proj.weight",
            "attn_k.weight", "self_attn.k_proj.weight",
            "attn_v.weight", "self_attn.v_proj.weight",
            "attn_q.bias", "self_attn.q_proj.bias",
            "attn_k.bias", "self_attn.k_proj.bias",
            "attn_v.bias", "self_attn.v_proj.bias",
            "attn_output.weight", "self_attn.o_proj.weight",
            "ffn_norm.weight", "post_attention_layernorm.weight",
            "ffn_gate.weight", "mlp.gate_proj.weight",
            "ffn_up.weight", "mlp.up_proj.weight",
            "ffn_down.weight", "mlp.down_proj.weight");

    private final SafetensorsShards weights;
    private final LlamaConfig config;
    private final boolean sharedClassifier;
    private final Map<String, TensorData> tensors; // ForwardPass name -> view, validated

    private HuggingFaceLlamaCheckpoint(SafetensorsShards weights, LlamaConfig config, boolean sharedClassifier,
            Map<String, TensorData> tensors) {
        this.weights = weights;
        this.config = config;
        this.sharedClassifier = sharedClassifier;
        this.tensors = tensors;
    }

    /**
     * Maps the weights of {@code folder} and checks them against its config.
     *
     * @param contextLimit the longest context to allocate for, or 0 for the config's {@code max_position_embeddings}
     */
    static HuggingFaceLlamaCheckpoint open(Path folder, HuggingFaceConfig json, int contextLimit) throws IOException {
        LlamaConfig config = config(json, contextLimit);
        boolean tied = json.booleanOr("tie_word_embeddings", false);
        SafetensorsShards weights = SafetensorsShards.open(folder);
        try {
            return new HuggingFaceLlamaCheckpoint(weights, config, tied, resolve(weights, config, tied));
        } catch (ModelFormatException | RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /** {@return the Llama config of a {@code llama}, {@code mistral} or {@code qwen2} config.json} */
    static LlamaConfig config(HuggingFaceConfig json, int contextLimit) throws ModelFormatException {
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

    /** {@return every tensor the config needs, by ForwardPass name, each checked for presence, dtype and shape} */
    private static Map<String, TensorData> resolve(SafetensorsShards weights, LlamaConfig c, boolean tied)
            throws ModelFormatException {
        String prefix = weights.contains("model.embed_tokens.weight") ? "model." : "";
        Map<String, TensorData> t = new LinkedHashMap<>();
        put(t, weights, "token_embd.weight", prefix + "embed_tokens.weight", c.vocabSize(), c.dim());
        for (int l = 0; l < c.nLayers(); l++) {
            String hf = prefix + "layers." + l + ".";
            String blk = "blk." + l + ".";
            for (Map.Entry<String, String> name : LAYER_NAMES.entrySet()) {
                int[] shape = layerShape(c, name.getKey());
                if (shape != null) {
                    put(t, weights, blk + name.getKey(), hf + name.getValue(), shape);
                }
            }
        }
        put(t, weights, "output_norm.weight", prefix + "norm.weight", c.dim());
        if (!tied) {
            put(t, weights, "output.weight", "lm_head.weight", c.vocabSize(), c.dim());
        }
        return t;
    }

    /** {@return the shape a layer tensor must have, or null if this config has no such tensor} */
    private static int[] layerShape(LlamaConfig c, String name) {
        return switch (name) {
            case "attn_norm.weight", "ffn_norm.weight" -> new int[] {c.dim()};
            case "attn_q.weight" -> new int[] {c.qDim(), c.dim()};
            case "attn_k.weight", "attn_v.weight" -> new int[] {c.kvDim(), c.dim()};
            case "attn_q.bias" -> c.qkvBias() ? new int[] {c.qDim()} : null;
            case "attn_k.bias", "attn_v.bias" -> c.qkvBias() ? new int[] {c.kvDim()} : null;
            case "attn_output.weight" -> new int[] {c.dim(), c.qDim()};
            case "ffn_gate.weight", "ffn_up.weight" -> new int[] {c.hiddenDim(), c.dim()};
            case "ffn_down.weight" -> new int[] {c.dim(), c.hiddenDim()};
            default -> throw new IllegalStateException("no shape for " + name);
        };
    }

    private static void put(Map<String, TensorData> into, SafetensorsShards weights, String name, String hfName,
            int... shape) throws ModelFormatException {
        TensorData data = weights.tensor(hfName);
        Shape expected = Shape.of(shape);
        if (!data.shape().equals(expected)) {
            throw new ModelFormatException(weights.source(), -1, hfName,
                    "shape " + data.shape() + " does not match the config's " + expected);
        }
        into.put(name, new TensorData(name, data.dtype(), data.shape(), data.data()));
    }

    private static Map<String, String> orderedMap(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }

    @Override
    public String source() {
        return weights.source();
    }

    @Override
    public LlamaConfig config() {
        return config;
    }

    @Override
    public TensorData tensor(String name) throws ModelFormatException {
        TensorData data = tensors.get(name);
        if (data == null) {
            throw new ModelFormatException(weights.source(), -1, name, "no such tensor for this config");
        }
        return data;
    }

    @Override
    public boolean sharedClassifier() {
        return sharedClassifier;
    }

    @Override
    public void close() {
        weights.close();
    }
}
