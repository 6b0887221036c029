package dev.forwardpass.models.huggingface;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.api.DType;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.format.SafetensorsWriter;
import dev.forwardpass.models.sampling.Sampler;
import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.text.RunCGenerator;
import dev.forwardpass.models.text.TextModel;
import dev.forwardpass.models.tokenizer.ByteLevelBpeTokenizer;
import dev.forwardpass.models.tokenizer.Tokenizer;
import dev.forwardpass.models.tokenizer.Tokenizers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GPT-2 folder as it is downloaded (config.json, model.safetensors, vocab.json, merges.txt), with the real
 * vocabulary and small random weights: the model and the tokenizer load from the same folder and generate.
 */
class Gpt2FolderTest {
    static final int VOCAB = 50257;
    static final int DIM = 8;

    @TempDir
    Path dir;

    /** Writes the folder; the classifier is untied and, when {@code eosWins}, strongly prefers token 50256. */
    Path writeFolder(String name, boolean eosWins) throws IOException, URISyntaxException {
        Path folder = Files.createDirectories(dir.resolve(name));
        Path vocab = Path.of(getClass().getResource("/dev/forwardpass/models/tokenizer/gpt2/vocab.json").toURI());
        Files.copy(vocab, folder.resolve("vocab.json"));
        Files.copy(vocab.resolveSibling("merges.txt"), folder.resolve("merges.txt"));
        Files.writeString(folder.resolve("config.json"), """
                {"model_type": "gpt2", "vocab_size": %d, "n_positions": 32, "n_embd": %d, "n_layer": 1, "n_head": 2,
                 "n_inner": null, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-05,
                 "tie_word_embeddings": false, "bos_token_id": 50256, "eos_token_id": 50256}
                """.formatted(VOCAB, DIM));
        SplittableRandom random = new SplittableRandom(1);
        SafetensorsWriter w = new SafetensorsWriter();
        w.add("wte.weight", DType.F16, new int[] {VOCAB, DIM}, random(random, VOCAB * DIM, 0.5f));
        w.add("wpe.weight", DType.F16, new int[] {32, DIM}, random(random, 32 * DIM, 0.2f));
        w.add("h.0.ln_1.weight", DType.F16, new int[] {DIM}, ones(DIM));
        w.add("h.0.ln_1.bias", DType.F16, new int[] {DIM}, new float[DIM]);
        w.add("h.0.attn.c_attn.weight", DType.F16, new int[] {DIM, 3 * DIM}, random(random, 3 * DIM * DIM, 0.3f));
        w.add("h.0.attn.c_attn.bias", DType.F16, new int[] {3 * DIM}, random(random, 3 * DIM, 0.1f));
        w.add("h.0.attn.c_proj.weight", DType.F16, new int[] {DIM, DIM}, random(random, DIM * DIM, 0.3f));
        w.add("h.0.attn.c_proj.bias", DType.F16, new int[] {DIM}, new float[DIM]);
        w.add("h.0.ln_2.weight", DType.F16, new int[] {DIM}, ones(DIM));
        w.add("h.0.ln_2.bias", DType.F16, new int[] {DIM}, new float[DIM]);
        w.add("h.0.mlp.c_fc.weight", DType.F16, new int[] {DIM, 4 * DIM}, random(random, 4 * DIM * DIM, 0.3f));
        w.add("h.0.mlp.c_fc.bias", DType.F16, new int[] {4 * DIM}, new float[4 * DIM]);
        w.add("h.0.mlp.c_proj.weight", DType.F16, new int[] {4 * DIM, DIM}, random(random, 4 * DIM * DIM, 0.3f));
        w.add("h.0.mlp.c_proj.bias", DType.F16, new int[] {DIM}, new float[DIM]);
        w.add("ln_f.weight", DType.F16, new int[] {DIM}, ones(DIM));
        // to rig the EOS folder: a final LayerNorm bias that adds 1 to every element, and an EOS classifier row of
        // 100s, whose logit is then about 100 · DIM whatever the input (the normalized part sums to 0)
        float[] finalBias = eosWins ? ones(DIM) : new float[DIM];
        w.add("ln_f.bias", DType.F16, new int[] {DIM}, finalBias);
        float[] head = random(random, VOCAB * DIM, 0.5f);
        if (eosWins) {
            java.util.Arrays.fill(head, 50256 * DIM, 50257 * DIM, 100f);
        }
        w.add("lm_head.weight", DType.F16, new int[] {VOCAB, DIM}, head);
        w.write(folder.resolve("model.safetensors"));
        return folder;
    }

    private static float[] random(SplittableRandom random, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }

    @Test
    void generatesFromTheFolder() throws Exception {
        Path folder = writeFolder("gpt2", false);
        try (Backend backend = Backends.get("java", BackendOptions.withThreads(1));
                LanguageModel model = HuggingFaceModel.load(folder, backend)) {
            Tokenizer tokenizer = Tokenizers.open(folder, model.vocabSize());
            assertInstanceOf(ByteLevelBpeTokenizer.class, tokenizer);
            assertArrayEquals(new int[] {15496, 995}, tokenizer.encode("Hello world"));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            RunCGenerator.Result result = RunCGenerator.generate(TextModel.of(model, tokenizer), "Hello world", 12,
                    SamplingParams.greedy(), out::writeBytes);
            assertEquals(2, result.promptTokens());
            assertTrue(result.positions() >= 2 && result.positions() <= 12, String.valueOf(result.positions()));
            assertTrue(out.size() > 0);
        }
    }

    @Test
    void aPromptRunForItsNextTokenGivesTheLastOfAllLogits() throws Exception {
        Path folder = writeFolder("gpt2-prompt", false);
        int[] tokens = new SplittableRandom(3).ints(20, 0, VOCAB).toArray();
        try (Backend backend = Backends.get("java", BackendOptions.withThreads(1));
                LanguageModel model = HuggingFaceModel.load(folder, backend);
                LanguageModel.Session every = model.newSession();
                LanguageModel.Session last = model.newSession()) {
            float[][] all = new float[tokens.length][];
            every.prefill(tokens, 0, (index, logits) -> all[index] = logits.clone());
            // the classifier for the last token alone: the same logits, to float rounding (a single row is summed in
            // another order than a batch)
            float[] lastOnly = last.prefill(tokens, 0);
            for (int v = 0; v < VOCAB; v++) {
                assertEquals(all[tokens.length - 1][v], lastOnly[v], 1e-4f);
            }
            // and the caches are the same
            assertArrayEquals(every.forward(5, tokens.length), last.forward(5, tokens.length));
        }
    }

    @Test
    void generationStopsAtEndOfText() throws Exception {
        Path folder = writeFolder("gpt2-eos", true);
        try (Backend backend = Backends.get("java", BackendOptions.withThreads(1));
                LanguageModel model = HuggingFaceModel.load(folder, backend);
                LanguageModel.Session session = model.newSession()) {
            Tokenizer tokenizer = Tokenizers.open(folder, model.vocabSize());
            float[] logits = session.forward(15496, 0);
            assertEquals(50256, Sampler.argmax(logits), "the rigged classifier prefers <|endoftext|>");
            RunCGenerator.Result result = RunCGenerator.generate(TextModel.of(model, tokenizer), "Hello", 20,
                    SamplingParams.greedy(), bytes -> { });
            assertTrue(result.stoppedByToken());
            assertEquals(1, result.positions());
            assertFalse(tokenizer.stopsGeneration(15496));
        }
    }
}
