package dev.forwardpass.models.huggingface;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.api.DType;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.format.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * stories260K as llama2.c stores it, and the same weights as a Hugging Face folder, give the same logits. The folder is
 * written as transformers' {@code convert_llama_weights_to_hf.py} writes one: q_proj and k_proj have their rows
 * permuted per head (evens first, then odds), so that HF's {@code rotate_half} pairs (i, i + headSize/2) are Meta's
 * interleaved pairs (2i, 2i + 1). This is the test of the rotary layout conversion.
 */
class Llama2cAsHuggingFaceTest {
    /** A prompt of stories260K's tokenizer: BOS, "Once upon a time". */
    static final int[] PROMPT = {1, 403, 407, 261, 378, 390, 504, 17, 42, 301};

    @TempDir
    Path dir;

    static java.util.stream.Stream<String> backends() {
        return HuggingFaceModelTest.backends();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void sameLogitsAsTheLlama2cCheckpoint(String backendName) throws IOException {
        Path folder = writeHuggingFaceFolder(TestFiles.stories260K(), dir.resolve("stories260K-hf"));
        double worst = 0;
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(1));
                LanguageModel llama2c = ModelLoader.loadModel(null, backend);
                LanguageModel hf = HuggingFaceModel.load(folder, backend);
                LanguageModel.Session a = llama2c.newSession();
                LanguageModel.Session b = hf.newSession()) {
            assertEquals(llama2c.parameterCount(), hf.parameterCount());
            for (int pos = 0; pos < PROMPT.length; pos++) {
                float[] expected = a.forward(PROMPT[pos], pos).clone();
                float[] actual = b.forward(PROMPT[pos], pos);
                double scale = 0;
                for (float e : expected) {
                    scale = Math.max(scale, Math.abs(e));
                }
                for (int i = 0; i < expected.length; i++) {
                    worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / scale);
                }
            }
        }
        // only the order of the sums in q·k differs: agreement to float rounding
        assertTrue(worst < 1e-5, "worst relative difference " + worst);
    }

    /** Writes the weights of a legacy llama2.c checkpoint (shared classifier) as a Hugging Face Llama folder. */
    static Path writeHuggingFaceFolder(byte[] legacy, Path folder) throws IOException {
        ByteBuffer header = ByteBuffer.wrap(legacy).order(ByteOrder.LITTLE_ENDIAN);
        int dim = header.getInt(0);
        int hidden = header.getInt(4);
        int layers = header.getInt(8);
        int heads = header.getInt(12);
        int kvHeads = header.getInt(16);
        int vocab = Math.abs(header.getInt(20));
        int seqLen = header.getInt(24);
        int headSize = dim / heads;
        int kvDim = kvHeads * headSize;
        FloatBuffer f = ByteBuffer.wrap(legacy, 28, legacy.length - 28).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        // run.c's memory_map_weights order
        float[] embedding = next(f, vocab * dim);
        float[][] attnNorm = next(f, layers, dim);
        float[][] wq = next(f, layers, dim * dim);
        float[][] wk = next(f, layers, kvDim * dim);
        float[][] wv = next(f, layers, kvDim * dim);
        float[][] wo = next(f, layers, dim * dim);
        float[][] ffnNorm = next(f, layers, dim);
        float[][] w1 = next(f, layers, hidden * dim);
        float[][] w2 = next(f, layers, dim * hidden);
        float[][] w3 = next(f, layers, hidden * dim);
        float[] finalNorm = next(f, dim);

        SafetensorsWriter w = new SafetensorsWriter();
        w.add("model.embed_tokens.weight", DType.F32, new int[] {vocab, dim}, embedding);
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            w.add(p + "input_layernorm.weight", DType.F32, new int[] {dim}, attnNorm[l]);
            w.add(p + "self_attn.q_proj.weight", DType.F32, new int[] {dim, dim}, permute(wq[l], heads, headSize, dim));
            w.add(p + "self_attn.k_proj.weight", DType.F32, new int[] {kvDim, dim}, permute(wk[l], kvHeads, headSize, dim));
            w.add(p + "self_attn.v_proj.weight", DType.F32, new int[] {kvDim, dim}, wv[l]);
            w.add(p + "self_attn.o_proj.weight", DType.F32, new int[] {dim, dim}, wo[l]);
            w.add(p + "post_attention_layernorm.weight", DType.F32, new int[] {dim}, ffnNorm[l]);
            w.add(p + "mlp.gate_proj.weight", DType.F32, new int[] {hidden, dim}, w1[l]);
            w.add(p + "mlp.down_proj.weight", DType.F32, new int[] {dim, hidden}, w2[l]);
            w.add(p + "mlp.up_proj.weight", DType.F32, new int[] {hidden, dim}, w3[l]);
        }
        w.add("model.norm.weight", DType.F32, new int[] {dim}, finalNorm);
        Files.createDirectories(folder);
        w.write(folder.resolve("model.safetensors"));
        Files.writeString(folder.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": %d,
                 "intermediate_size": %d, "num_hidden_layers": %d, "num_attention_heads": %d,
                 "num_key_value_heads": %d, "vocab_size": %d, "max_position_embeddings": %d, "rms_norm_eps": 1e-05,
                 "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": true, "torch_dtype": "float32"}
                """.formatted(dim, hidden, layers, heads, kvHeads, vocab, seqLen));
        return folder;
    }

    /**
     * HF's {@code permute(w, n_heads)}: {@code w.view(n_heads, headSize/2, 2, in).transpose(1, 2).reshape(out, in)},
     * i.e. within each head, row {@code 2i + j} moves to row {@code j · headSize/2 + i}.
     */
    static float[] permute(float[] w, int heads, int headSize, int in) {
        float[] out = new float[w.length];
        int half = headSize / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    int from = h * headSize + 2 * i + j;
                    int to = h * headSize + j * half + i;
                    System.arraycopy(w, from * in, out, to * in, in);
                }
            }
        }
        return out;
    }

    private static float[] next(FloatBuffer f, int n) {
        float[] v = new float[n];
        f.get(v);
        return v;
    }

    private static float[][] next(FloatBuffer f, int layers, int n) {
        float[][] v = new float[layers][];
        for (int l = 0; l < layers; l++) {
            v[l] = next(f, n);
        }
        return v;
    }
}
