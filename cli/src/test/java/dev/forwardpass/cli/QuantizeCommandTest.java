package dev.forwardpass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forwardpass.models.tokenizer.SentencePieceFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quantize}: stories260K as GGUF files of block types that generate, with run.c's tokenizer or a Hugging Face
 * one, and one-line errors for bad input.
 */
class QuantizeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path model;

    @BeforeEach
    void stories260KBesideItsTokenizer() throws IOException {
        model = CliRunner.stories260KBesideItsTokenizer(dir);
    }

    @Test
    void aQ8_0FileTellsTheStoryAndSaysWhatFellBack() {
        Path out = dir.resolve("s.q8_0.gguf");
        CliRunner run = CliRunner.run("quantize", "--model", model.toString(), "--type", "q8_0", "--out",
                out.toString());
        assertEquals(0, run.exitCode(), run.err());
        // ffn_down's rows of 172 fit no 32-element block; llama-quantize refuses the file, this falls back
        assertTrue(run.err().contains("blk.N.ffn_down.weight (5): rows of 172 are not whole Q8_0 blocks of 32: F16"),
                run.err());
        assertTrue(run.err().contains("wrote " + out + ": Q8_0"), run.err());
        assertTrue(run.err().contains("tokenizer: llama, 512 tokens"), run.err());
        CliRunner generate = CliRunner.run("generate", "--model", out.toString(), "-t", "0", "-n", "40",
                "--backend", "scalar");
        assertEquals(0, generate.exitCode(), generate.err());
        // Q8_0's greedy story is the F32 one for its first hundred tokens
        assertTrue(GenerateCommandTest.GREEDY_200.startsWith(generate.out().strip()), generate.out());
    }

    @Test
    void infoShowsTheFilesMetadataAndItsTensorsByType() throws IOException {
        Path out = dir.resolve("s.q8_0.gguf");
        assertEquals(0, CliRunner.run("quantize", "--model", model.toString(), "--type", "q8_0", "--out",
                out.toString()).exitCode());
        CliRunner run = CliRunner.run("info", "--model", out.toString(), "--backend", "scalar", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode gguf = JSON.readTree(run.out()).get("gguf");
        assertEquals("llama", gguf.get("architecture").asText());
        assertEquals("stories260K", gguf.get("name").asText());
        assertEquals("MOSTLY_Q8_0", gguf.get("file_type").asText());
        assertEquals(512, gguf.get("context_length").asInt());
        assertEquals("llama", gguf.get("vocabulary").asText());
        assertEquals(512, gguf.get("vocabulary_size").asInt());
        assertFalse(gguf.get("chat_template").asBoolean());
        // the token embedding (the classifier is tied) and six matrices a block in Q8_0 (34 bytes a 32), ffn_down in
        // F16, the norms in F32
        int q8_0 = (512 * 64 + 5 * (2 * 64 * 64 + 2 * 32 * 64 + 2 * 172 * 64)) / 32 * 34;
        assertEquals("[{\"type\":\"Q8_0\",\"tensors\":31,\"bytes\":" + q8_0 + "},"
                + "{\"type\":\"F16\",\"tensors\":5,\"bytes\":" + 5 * 64 * 172 * 2 + "},"
                + "{\"type\":\"F32\",\"tensors\":11,\"bytes\":" + 11 * 64 * 4 + "}]",
                gguf.get("tensor_types").toString());
        CliRunner human = CliRunner.run("info", "--model", out.toString(), "--backend", "scalar");
        assertTrue(human.out().contains("vocabulary:   llama, 512 tokens, no chat template"), human.out());
    }

    @Test
    void aQuantizedFileQuantizesAgain() {
        Path q8 = dir.resolve("s.q8_0.gguf");
        Path q4 = dir.resolve("s.q4_k.gguf");
        assertEquals(0, CliRunner.run("quantize", "--model", model.toString(), "--type", "Q8_0", "--out",
                q8.toString()).exitCode());
        CliRunner run = CliRunner.run("quantize", "--model", q8.toString(), "--type", "q4_k", "--out", q4.toString());
        assertEquals(0, run.exitCode(), run.err());
        // the K-quant's 256 fits none of stories260K's rows: 64 falls back to Q5_0, 172 to F16
        assertTrue(run.err().contains("blk.N.attn_q.weight (5): rows of 64 are not whole Q4_K blocks of 256: Q5_0"),
                run.err());
        assertTrue(run.err().contains("tokenizer: 9 tokenizer keys copied from s.q8_0.gguf"), run.err());
        assertEquals(0, CliRunner.run("generate", "--model", q4.toString(), "-t", "0", "-n", "8", "--backend",
                "scalar").exitCode());
    }

    @Test
    void withoutATokenizerTheFileSaysSoWhenLoaded() throws IOException {
        Files.delete(dir.resolve("tokenizer.bin"));
        Path out = dir.resolve("bare.gguf");
        CliRunner run = CliRunner.run("quantize", "--model", model.toString(), "--type", "f16", "--out",
                out.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("no tokenizer.bin beside the model: the file will need --tokenizer"), run.err());
        CliRunner generate = CliRunner.run("generate", "--model", out.toString(), "--backend", "scalar");
        assertEquals(65, generate.exitCode(), generate.err());
        assertEquals(1, generate.errLines(), generate.err());
        assertTrue(generate.err().contains("field 'tokenizer.ggml.model': the file holds no tokenizer: pass --tokenizer"),
                generate.err());
    }

    @Test
    void aHuggingFaceTokenizerGivenIsWrittenAsLlamaCppsVocabulary() throws IOException {
        // tok512 as Hugging Face's converter writes a SentencePiece vocabulary: the file reads it as llama.cpp does
        Path folder = SentencePieceFiles.write(dir.resolve("tok512-hf"), CliRunner.embedded("tok512.bin"), 512,
                SentencePieceFiles.Style.LEGACY);
        SentencePieceFiles.writeLlamaTokenizerConfig(folder);
        Path out = dir.resolve("s.gguf");
        CliRunner run = CliRunner.run("quantize", "--model", model.toString(), "--tokenizer", folder.toString(),
                "--type", "q8_0", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().strip().endsWith("tokenizer: llama, 512 tokens"), run.err());
        CliRunner generate = CliRunner.run("generate", "--model", out.toString(), "-t", "0", "-n", "40",
                "--backend", "scalar");
        assertEquals(0, generate.exitCode(), generate.err());
        assertTrue(GenerateCommandTest.GREEDY_200.startsWith(generate.out().strip()), generate.out());
    }

    @Test
    void badInputGetsOneLine() throws IOException {
        CliRunner unknown = CliRunner.run("quantize", "--model", model.toString(), "--type", "q3_k", "--out",
                dir.resolve("x.gguf").toString());
        assertEquals(2, unknown.exitCode());
        assertEquals("forwardpass: unknown type 'q3_k' (available: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, "
                + "q5_k, q6_k)", unknown.err().strip());
        CliRunner missing = CliRunner.run("quantize", "--model", dir.resolve("missing.bin").toString(), "--type",
                "q8_0", "--out", dir.resolve("x.gguf").toString());
        assertEquals(66, missing.exitCode());
        assertEquals(1, missing.errLines(), missing.err());
        assertTrue(missing.err().contains("missing.bin"), missing.err());
        Path precious = Files.writeString(dir.resolve("precious.gguf"), "not a model");
        CliRunner exists = CliRunner.run("quantize", "--model", model.toString(), "--type", "q8_0", "--out",
                precious.toString());
        assertEquals(2, exists.exitCode());
        assertEquals("forwardpass: " + precious + " exists: pass --force to replace it", exists.err().strip());
        assertEquals("not a model", Files.readString(precious));
        assertFalse(Files.exists(dir.resolve("x.gguf")));
        assertEquals(0, CliRunner.run("quantize", "--model", model.toString(), "--type", "q8_0", "--out",
                precious.toString(), "--force").exitCode());
    }
}
