package dev.forwardpass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forwardpass.api.DType;
import dev.forwardpass.models.format.SafetensorsWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GPT-2 folder as Hugging Face downloads it (config.json, model.safetensors, vocab.json, merges.txt) with the real
 * GPT-2 vocabulary and small random weights, through the same commands and output shapes as a llama2.c model.
 */
class HuggingFaceFolderCliTest {
    static final int VOCAB = 50257;
    static final int DIM = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void tokenizeAddsNoBosForByteLevelBpe() throws Exception {
        Path folder = gpt2Folder();
        CliRunner run = CliRunner.run("tokenize", "--model", folder.toString(), "--text", "Hello world", "--json");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("[15496,995]", JSON.readTree(run.out()).get("ids").toString());
    }

    @Test
    void logitsJsonHasTheSameShape() throws Exception {
        Path folder = gpt2Folder();
        CliRunner run = CliRunner.run("logits", "--model", folder.toString(), "--prompt", " Hello world", "--top-k", "3",
                "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode root = JSON.readTree(run.out());
        assertEquals("[18435,995]", root.get("tokens").toString());
        assertEquals(2, root.get("positions").size());
        assertEquals(3, root.get("positions").get(1).get("top").size());
        // the same from the ids, and with no tokenizer in the folder at all
        Files.delete(folder.resolve("vocab.json"));
        Files.delete(folder.resolve("merges.txt"));
        CliRunner ids = CliRunner.run("logits", "--model", folder.toString(), "--token-ids", "18435,995", "--top-k", "3",
                "--json");
        assertEquals(0, ids.exitCode(), ids.err());
        assertEquals(root.get("positions"), JSON.readTree(ids.out()).get("positions"));
    }

    @Test
    void generateStreamsThePromptAndItsContinuation() throws Exception {
        Path folder = gpt2Folder();
        CliRunner run = CliRunner.run("generate", "--model", folder.toString(), "--prompt", "Hello world", "-t", "0",
                "-n", "12");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("Hello world"), run.out());
        // the printed continuation re-encodes to what was generated: 12 positions = the 2 prompt tokens + 10 more
        // (or fewer, if the model chose end-of-text)
        CliRunner tokens = CliRunner.run("tokenize", "--model", folder.toString(), "--text", run.out().strip(), "--json");
        int count = JSON.readTree(tokens.out()).get("ids").size();
        assertTrue(count >= 2 && count <= 13, run.out() + " -> " + count);
        CliRunner info = CliRunner.run("info", "--model", folder.toString(), "--json");
        assertEquals("gpt2", JSON.readTree(info.out()).get("architecture").asText());
        CliRunner empty = CliRunner.run("compare", "--model", folder.toString(), "--prompt", "Hello world, again", "--json");
        assertEquals(0, empty.exitCode(), empty.err());
        double maxEntropy = JSON.readTree(empty.out()).get("max_entropy").asDouble();
        assertEquals(Math.log(VOCAB), maxEntropy, 1e-9);
    }

    @Test
    void aFolderWithoutWeightsIsAOneLineError() throws Exception {
        Path folder = gpt2Folder();
        Files.delete(folder.resolve("model.safetensors"));
        CliRunner run = CliRunner.run("info", "--model", folder.toString());
        assertTrue(run.exitCode() != 0);
        assertEquals(1, run.errLines(), run.err());
    }

    @Test
    void aTokenizerForAnotherVocabularyIsRejected() throws Exception {
        Path folder = gpt2Folder();
        // a llama2.c tokenizer file does not say how many tokens it holds: the model's 50257 are read, and it has 512
        Path tok = dir.resolve("tok512.bin");
        try (InputStream in = getClass().getResourceAsStream("/dev/forwardpass/models/stories260K/tok512.bin")) {
            Files.copy(in, tok);
        }
        CliRunner run = CliRunner.run("tokenize", "--model", folder.toString(), "--tokenizer", tok.toString(), "--text",
                "Once", "--json");
        assertEquals(65, run.exitCode());
        assertEquals(1, run.errLines(), run.err());
        assertTrue(run.err().contains("the file ends after 512 of the model's 50257 tokens"), run.err());
    }

    @Test
    void asAnF16GgufFileItGeneratesTheSameTextWithTheFoldersTokenizer() throws Exception {
        Path folder = gpt2Folder();
        Path gguf = dir.resolve("gpt2.f16.gguf");
        CliRunner quantize = CliRunner.run("quantize", "--model", folder.toString(), "--type", "f16", "--out",
                gguf.toString());
        assertEquals(0, quantize.exitCode(), quantize.err());
        assertEquals(1, quantize.errLines(), quantize.err());
        assertTrue(quantize.err().contains("tokenizer: gpt2, 50257 tokens, pre-tokenizer gpt-2"), quantize.err());
        CliRunner fromFolder = CliRunner.run("generate", "--model", folder.toString(), "--prompt", "Hello world", "-t",
                "0", "-n", "12", "--backend", "scalar");
        CliRunner fromGguf = CliRunner.run("generate", "--model", gguf.toString(), "--prompt", "Hello world", "-t",
                "0", "-n", "12", "--backend", "scalar");
        assertEquals(0, fromGguf.exitCode(), fromGguf.err());
        assertEquals(fromFolder.out(), fromGguf.out());
        CliRunner withTheFoldersTokenizer = CliRunner.run("generate", "--model", gguf.toString(), "--tokenizer",
                folder.toString(), "--prompt", "Hello world", "-t", "0", "-n", "12", "--backend", "scalar");
        assertEquals(0, withTheFoldersTokenizer.exitCode(), withTheFoldersTokenizer.err());
        assertEquals(fromFolder.out(), withTheFoldersTokenizer.out());
        // a folder without a tokenizer gives a file without one, which says so when loaded
        Files.delete(folder.resolve("vocab.json"));
        Files.delete(folder.resolve("merges.txt"));
        Path bare = dir.resolve("bare.gguf");
        CliRunner quantizeBare = CliRunner.run("quantize", "--model", folder.toString(), "--type", "f16", "--out",
                bare.toString());
        assertEquals(0, quantizeBare.exitCode(), quantizeBare.err());
        assertTrue(quantizeBare.err().contains("no tokenizer in the folder: the file will need --tokenizer"),
                quantizeBare.err());
        CliRunner withoutTokenizer = CliRunner.run("generate", "--model", bare.toString(), "--backend", "scalar");
        assertEquals(65, withoutTokenizer.exitCode());
        assertEquals(1, withoutTokenizer.errLines(), withoutTokenizer.err());
        assertTrue(withoutTokenizer.err().contains("tokenizer"), withoutTokenizer.err());
    }

    /** Writes a one-layer GPT-2 with the real vocabulary and random F16 weights. */
    private Path gpt2Folder() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("gpt2"));
        for (String name : new String[] {"vocab.json", "merges.txt"}) {
            try (InputStream in = getClass().getResourceAsStream("/dev/forwardpass/models/tokenizer/gpt2/" + name)) {
                Files.copy(in, folder.resolve(name));
            }
        }
        Files.writeString(folder.resolve("config.json"), """
                {"model_type": "gpt2", "vocab_size": %d, "n_positions": 32, "n_embd": %d, "n_layer": 1, "n_head": 2,
                 "n_inner": null, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-05,
                 "bos_token_id": 50256, "eos_token_id": 50256}
                """.formatted(VOCAB, DIM));
        SplittableRandom random = new SplittableRandom(3);
        SafetensorsWriter w = new SafetensorsWriter();
        w.add("wte.weight", DType.F16, new int[] {VOCAB, DIM}, values(random, VOCAB * DIM, 0.5f));
        w.add("wpe.weight", DType.F16, new int[] {32, DIM}, values(random, 32 * DIM, 0.2f));
        w.add("h.0.ln_1.weight", DType.F16, new int[] {DIM}, filled(DIM, 1f));
        w.add("h.0.ln_1.bias", DType.F16, new int[] {DIM}, new float[DIM]);
        w.add("h.0.attn.c_attn.weight", DType.F16, new int[] {DIM, 3 * DIM}, values(random, 3 * DIM * DIM, 0.3f));
        w.add("h.0.attn.c_attn.bias", DType.F16, new int[] {3 * DIM}, values(random, 3 * DIM, 0.1f));
        w.add("h.0.attn.c_proj.weight", DType.F16, new int[] {DIM, DIM}, values(random, DIM * DIM, 0.3f));
        w.add("h.0.attn.c_proj.bias", DType.F16, new int[] {DIM}, new float[DIM]);
        w.add("h.0.ln_2.weight", DType.F16, new int[] {DIM}, filled(DIM, 1f));
        w.add("h.0.ln_2.bias", DType.F16, new int[] {DIM}, new float[DIM]);
        w.add("h.0.mlp.c_fc.weight", DType.F16, new int[] {DIM, 4 * DIM}, values(random, 4 * DIM * DIM, 0.3f));
        w.add("h.0.mlp.c_fc.bias", DType.F16, new int[] {4 * DIM}, new float[4 * DIM]);
        w.add("h.0.mlp.c_proj.weight", DType.F16, new int[] {4 * DIM, DIM}, values(random, 4 * DIM * DIM, 0.3f));
        w.add("h.0.mlp.c_proj.bias", DType.F16, new int[] {DIM}, new float[DIM]);
        w.add("ln_f.weight", DType.F16, new int[] {DIM}, filled(DIM, 1f));
        w.add("ln_f.bias", DType.F16, new int[] {DIM}, new float[DIM]);
        w.write(folder.resolve("model.safetensors"));
        return folder;
    }

    private static float[] values(SplittableRandom random, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        return v;
    }

    private static float[] filled(int n, float value) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, value);
        return v;
    }
}
