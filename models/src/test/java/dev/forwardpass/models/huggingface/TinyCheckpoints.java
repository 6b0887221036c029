package dev.forwardpass.models.huggingface;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forwardpass.api.DType;
import dev.forwardpass.models.format.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Tiny Hugging Face checkpoints with random weights, written by the tests themselves: a config.json and a
 * model.safetensors laid out as transformers saves each family (GPT-2's Conv1D weights {@code [in, out]}, Llama's
 * {@code [out, in]}).
 */
final class TinyCheckpoints {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TinyCheckpoints() {}

    /** The variants the tests cover: each family with its options (GQA, tied or untied classifier, biases, ...). */
    enum Variant {
        /** GPT-2 as GPT2LMHeadModel saves it: "transformer." names, classifier tied to wte. */
        GPT2,
        /** GPT-2 with OpenAI's unprefixed names, an explicit n_inner and a separate lm_head. */
        GPT2_UNTIED,
        /** Llama with grouped-query attention and a separate lm_head. */
        LLAMA,
        /** Llama with a tied classifier and a head_dim that is not hidden_size / heads. */
        LLAMA_TIED_HEAD_DIM,
        /** Llama 3.1: theta 500000 and rope_scaling of type llama3. */
        LLAMA3_ROPE_SCALING,
        /** Qwen2: q/k/v biases, a tied classifier, one key/value head. */
        QWEN2,
        /** Mistral: a sliding window longer than the context. */
        MISTRAL;

        boolean isGpt2() {
            return this == GPT2 || this == GPT2_UNTIED;
        }
    }

    /**
     * A tiny model: its config and every tensor by its Hugging Face name, in the file's layout.
     *
     * @param variant which family and options
     * @param config config.json's fields
     * @param tensors values, by Hugging Face name, in order
     * @param shapes shapes, by the same names
     */
    record TinyModel(Variant variant, Map<String, Object> config, Map<String, float[]> tensors,
            Map<String, int[]> shapes) {

        int vocabSize() {
            return (Integer) config.get("vocab_size");
        }

        /** {@return config value {@code key} as an int} */
        int i(String key) {
            return ((Number) config.get(key)).intValue();
        }

        /** {@return config value {@code key} as a double} */
        double d(String key) {
            return ((Number) config.get(key)).doubleValue();
        }

        /** {@return tensor {@code name}} */
        float[] t(String name) {
            float[] values = tensors.get(name);
            if (values == null) {
                throw new IllegalArgumentException("no tensor " + name);
            }
            return values;
        }

        /** {@return this model with every weight rounded as storing it as {@code dtype} does} */
        TinyModel rounded(DType dtype) {
            Map<String, float[]> r = new LinkedHashMap<>();
            tensors.forEach((name, values) -> r.put(name, SafetensorsWriter.round(values, dtype)));
            return new TinyModel(variant, config, r, shapes);
        }

        /** {@return the number of weights in the file} */
        long parameterCount() {
            return tensors.values().stream().mapToLong(v -> v.length).sum();
        }

        /** Writes config.json and model.safetensors (weights as {@code dtype}) into {@code folder}; {@return folder} */
        Path write(Path folder, DType dtype) throws IOException {
            Files.createDirectories(folder);
            ObjectNode json = JSON.valueToTree(config);
            JSON.writerWithDefaultPrettyPrinter().writeValue(folder.resolve("config.json").toFile(), json);
            SafetensorsWriter writer = new SafetensorsWriter();
            tensors.forEach((name, values) -> writer.add(name, dtype, shapes.get(name), values));
            writer.write(folder.resolve("model.safetensors"));
            return folder;
        }
    }

    /** {@return a model of {@code variant} with weights drawn from {@code seed}} */
    static TinyModel random(Variant variant, long seed) {
        Map<String, Object> c = new LinkedHashMap<>();
        Builder b = new Builder(new SplittableRandom(seed));
        if (variant.isGpt2()) {
            boolean untied = variant == Variant.GPT2_UNTIED;
            int d = 24;
            int hidden = untied ? 40 : 4 * d;
            c.put("model_type", "gpt2");
            c.put("architectures", new String[] {"GPT2LMHeadModel"});
            c.put("vocab_size", 97);
            c.put("n_positions", 16);
            c.put("n_embd", d);
            c.put("n_layer", 2);
            c.put("n_head", 3);
            c.put("n_inner", untied ? hidden : null);
            c.put("activation_function", "gelu_new");
            c.put("layer_norm_epsilon", 1e-5);
            c.put("tie_word_embeddings", !untied);
            c.put("bos_token_id", 96);
            c.put("eos_token_id", 96);
            String p = untied ? "" : "transformer.";
            b.add(p + "wte.weight", 0.5f, 97, d);
            b.add(p + "wpe.weight", 0.2f, 16, d);
            for (int l = 0; l < 2; l++) {
                String h = p + "h." + l + ".";
                b.norm(h + "ln_1.weight", d);
                b.add(h + "ln_1.bias", 0.1f, d);
                b.add(h + "attn.c_attn.weight", 0.3f, d, 3 * d);     // Conv1D: [in, out]
                b.add(h + "attn.c_attn.bias", 0.1f, 3 * d);
                b.add(h + "attn.c_proj.weight", 0.3f, d, d);
                b.add(h + "attn.c_proj.bias", 0.1f, d);
                b.norm(h + "ln_2.weight", d);
                b.add(h + "ln_2.bias", 0.1f, d);
                b.add(h + "mlp.c_fc.weight", 0.3f, d, hidden);
                b.add(h + "mlp.c_fc.bias", 0.1f, hidden);
                b.add(h + "mlp.c_proj.weight", 0.3f, hidden, d);
                b.add(h + "mlp.c_proj.bias", 0.1f, d);
            }
            b.norm(p + "ln_f.weight", d);
            b.add(p + "ln_f.bias", 0.1f, d);
            if (untied) {
                b.add("lm_head.weight", 0.5f, 97, d);
            }
            return new TinyModel(variant, c, b.tensors, b.shapes);
        }
        int dim = 32;
        int heads = 4;
        int kvHeads = switch (variant) {
            case QWEN2 -> 1;
            case MISTRAL -> 4;
            default -> 2;
        };
        int headDim = variant == Variant.LLAMA_TIED_HEAD_DIM ? 12 : dim / heads;
        int hidden = variant == Variant.QWEN2 ? 40 : 48;
        int vocab = variant == Variant.QWEN2 ? 89 : 101;
        boolean tied = variant == Variant.LLAMA_TIED_HEAD_DIM || variant == Variant.QWEN2;
        c.put("model_type", switch (variant) {
            case QWEN2 -> "qwen2";
            case MISTRAL -> "mistral";
            default -> "llama";
        });
        c.put("vocab_size", vocab);
        c.put("hidden_size", dim);
        c.put("intermediate_size", hidden);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        if (variant == Variant.LLAMA_TIED_HEAD_DIM) {
            c.put("head_dim", headDim);
        }
        c.put("max_position_embeddings", 32);
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", variant == Variant.QWEN2 ? 1e-6 : 1e-5);
        c.put("rope_theta", switch (variant) {
            case QWEN2 -> 1000000.0;
            case LLAMA3_ROPE_SCALING -> 500000.0;
            default -> 10000.0;
        });
        c.put("rope_scaling", variant == Variant.LLAMA3_ROPE_SCALING
                ? Map.of("rope_type", "llama3", "factor", 8.0, "low_freq_factor", 1.0, "high_freq_factor", 4.0,
                        "original_max_position_embeddings", 512)
                : null);
        c.put("tie_word_embeddings", tied);
        if (variant == Variant.MISTRAL) {
            c.put("sliding_window", 4096);
        }
        if (variant == Variant.QWEN2) {
            c.put("use_sliding_window", false);
            c.put("sliding_window", 8);   // ignored: use_sliding_window is false
        }
        int qDim = heads * headDim;
        int kvDim = kvHeads * headDim;
        b.add("model.embed_tokens.weight", 0.5f, vocab, dim);
        for (int l = 0; l < 2; l++) {
            String p = "model.layers." + l + ".";
            b.norm(p + "input_layernorm.weight", dim);
            b.add(p + "self_attn.q_proj.weight", 0.3f, qDim, dim);
            b.add(p + "self_attn.k_proj.weight", 0.3f, kvDim, dim);
            b.add(p + "self_attn.v_proj.weight", 0.3f, kvDim, dim);
            if (variant == Variant.QWEN2) {
                b.add(p + "self_attn.q_proj.bias", 0.2f, qDim);
                b.add(p + "self_attn.k_proj.bias", 0.2f, kvDim);
                b.add(p + "self_attn.v_proj.bias", 0.2f, kvDim);
            }
            b.add(p + "self_attn.o_proj.weight", 0.3f, dim, qDim);
            b.norm(p + "post_attention_layernorm.weight", dim);
            b.add(p + "mlp.gate_proj.weight", 0.3f, hidden, dim);
            b.add(p + "mlp.up_proj.weight", 0.3f, hidden, dim);
            b.add(p + "mlp.down_proj.weight", 0.3f, dim, hidden);
        }
        b.norm("model.norm.weight", dim);
        if (!tied) {
            b.add("lm_head.weight", 0.5f, vocab, dim);
        }
        return new TinyModel(variant, c, b.tensors, b.shapes);
    }

    /** Draws tensors uniformly in [-scale, scale] (norm weights around 1). */
    private static final class Builder {
        final SplittableRandom random;
        final Map<String, float[]> tensors = new LinkedHashMap<>();
        final Map<String, int[]> shapes = new LinkedHashMap<>();

        Builder(SplittableRandom random) {
            this.random = random;
        }

        void add(String name, float scale, int... shape) {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
            }
            tensors.put(name, v);
            shapes.put(name, shape);
        }

        void norm(String name, int n) {
            add(name, 0.2f, n);
            float[] v = tensors.get(name);
            for (int i = 0; i < n; i++) {
                v[i] += 1;
            }
        }
    }

    /** {@return {@code count} token ids drawn from {@code seed}} */
    static int[] tokens(int vocabSize, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] tokens = new int[count];
        for (int i = 0; i < count; i++) {
            tokens[i] = random.nextInt(vocabSize);
        }
        return tokens;
    }
}
