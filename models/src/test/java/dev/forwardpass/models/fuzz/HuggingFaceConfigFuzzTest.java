package dev.forwardpass.models.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.forwardpass.api.DType;
import dev.forwardpass.models.format.SafetensorsWriter;
import dev.forwardpass.models.huggingface.HuggingFaceConfig;
import dev.forwardpass.models.huggingface.HuggingFaceModel;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A Hugging Face folder's config.json, read by each architecture's reader and checked against the weights beside it:
 * a tiny Llama (the seed configs' shapes), written once, so that a config that reads also meets real tensors.
 */
class HuggingFaceConfigFuzzTest {
    private static final int DIM = 8;
    private static final int HIDDEN = 16;
    private static final int KV_DIM = 4;
    private static final int VOCAB = 16;
    private static final Path FOLDER = writeWeights();

    @FuzzTest
    void config(byte[] input) throws IOException {
        FuzzInputs.write(FOLDER, HuggingFaceConfig.FILE, input);
        FuzzInputs.readOrReject(() -> {
            try (var checkpoint = HuggingFaceModel.open(FOLDER, 0)) {
                checkpoint.config();
            }
        });
    }

    /** model.safetensors of a one-layer Llama: dim 8, 2 heads, 1 key/value head, vocabulary 16, tied classifier. */
    private static Path writeWeights() {
        Path folder = FuzzInputs.emptyFolder("huggingface");
        SafetensorsWriter w = new SafetensorsWriter();
        add(w, "model.embed_tokens.weight", VOCAB, DIM);
        String layer = "model.layers.0.";
        add(w, layer + "input_layernorm.weight", DIM);
        add(w, layer + "self_attn.q_proj.weight", DIM, DIM);
        add(w, layer + "self_attn.k_proj.weight", KV_DIM, DIM);
        add(w, layer + "self_attn.v_proj.weight", KV_DIM, DIM);
        add(w, layer + "self_attn.o_proj.weight", DIM, DIM);
        add(w, layer + "post_attention_layernorm.weight", DIM);
        add(w, layer + "mlp.gate_proj.weight", HIDDEN, DIM);
        add(w, layer + "mlp.up_proj.weight", HIDDEN, DIM);
        add(w, layer + "mlp.down_proj.weight", DIM, HIDDEN);
        add(w, "model.norm.weight", DIM);
        FuzzInputs.write(folder, "model.safetensors", w.toBytes());
        return folder;
    }

    private static void add(SafetensorsWriter writer, String name, int... shape) {
        int size = 1;
        for (int d : shape) {
            size *= d;
        }
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (i % 7 - 3) / 8f;
        }
        writer.add(name, DType.F32, shape, values);
    }
}
