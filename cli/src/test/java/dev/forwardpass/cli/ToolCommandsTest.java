package dev.forwardpass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** tokenize, info, --help, and the one-line errors for malformed inputs. */
class ToolCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void tokenizeAddsBos() throws Exception {
        CliRunner run = CliRunner.run("tokenize", "--text", "Once upon a time", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode ids = JSON.readTree(run.out()).get("ids");
        assertEquals(1, ids.get(0).asInt());
        assertTrue(ids.size() > 2);
        CliRunner plain = CliRunner.run("tokenize", "--text", "Once upon a time");
        assertEquals(ids.toString().replaceAll("[\\[\\]]", "").replace(',', ' '), plain.out().strip());
    }

    @Test
    void infoShowsTheConfigAndParameterCount() throws Exception {
        CliRunner run = CliRunner.run("info", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode info = JSON.readTree(run.out());
        assertEquals("llama", info.get("architecture").asText());
        assertEquals(64, info.get("dim").asInt());
        assertEquals(4, info.get("n_kv_heads").asInt());
        assertEquals(512, info.get("seq_len").asInt());
        assertFalse(info.has("rope_scaling"), "a config component that is absent is left out: " + info);
        assertTrue(info.get("parameters").asLong() > 250_000 && info.get("parameters").asLong() < 300_000);
        CliRunner human = CliRunner.run("info");
        assertTrue(human.out().contains("hidden_dim:"), human.out());
    }

    @Test
    void everyJsonKeyIsSnakeCase() throws Exception {
        Path text = Files.writeString(dir.resolve("story.txt"), "Once upon a time, there was a little girl named Lily.");
        String[][] commands = {{"tokenize", "--text", "Once upon a time"}, {"info"},
                {"logits", "--prompt", "Once upon a time", "--top-k", "2"}, {"compare"},
                {"perplexity", "--file", text.toString()},
                {"bench", "--prompt-tokens", "4", "--gen-tokens", "4", "--repeat", "1", "--warmup-seconds", "0"}};
        for (String[] command : commands) {
            String[] args = Arrays.copyOf(command, command.length + 1);
            args[command.length] = "--json";
            CliRunner run = CliRunner.run(args);
            assertEquals(0, run.exitCode(), command[0] + ": " + run.err());
            assertKeysAreSnakeCase(command[0], JSON.readTree(run.out()));
        }
    }

    private static void assertKeysAreSnakeCase(String command, JsonNode node) {
        node.properties().forEach(field -> {
            assertTrue(field.getKey().matches("[a-z][a-z0-9_]*"), command + ": key " + field.getKey());
            assertKeysAreSnakeCase(command, field.getValue());
        });
        node.elements().forEachRemaining(element -> assertKeysAreSnakeCase(command, element));
    }

    @Test
    void benchReportsItsFiguresAsJson() throws Exception {
        CliRunner run = CliRunner.run("bench", "--prompt-tokens", "8", "--gen-tokens", "4", "--repeat", "1",
                "--warmup-seconds", "0.5", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode report = JSON.readTree(run.out());
        double warmup = report.get("warmup_seconds").asDouble(); // the rounds that started within the half second
        assertTrue(warmup >= 0 && warmup < 5, report.toString());
        assertEquals("java", report.get("backend").asText());
        assertEquals(1, report.get("threads").asInt(), "a model as small as the embedded one runs on one thread");
        assertEquals(8, report.get("prefill_tokens").asInt());
        assertEquals(4, report.get("decode_tokens").asInt());
        assertTrue(report.get("decode_tokens_per_s").asDouble() > 0, report.toString());
        assertTrue(report.get("cold_decode_tokens_per_s").asDouble() > 0, report.toString());
        assertTrue(report.get("cold_prefill_tokens_per_s").asDouble() > 0, report.toString());
        assertTrue(report.get("weights_bytes").asLong() > 1_000_000, report.toString());
    }

    @Test
    void benchRefusesANegativeWarmUp() {
        String error = CliRunner.run("bench", "--warmup-seconds", "-1").assertOneLineError(2);
        assertEquals("forwardpass: --warmup-seconds must be 0 to 3600, found -1.0", error);
    }

    @Test
    void initWritesACheckpointButReplacesAFileOnlyWithForce() throws Exception {
        Path out = Files.writeString(dir.resolve("precious.bin"), "not a checkpoint");
        CliRunner run = CliRunner.run("init", "--config", "tinystories-15m", "--out", out.toString());
        assertEquals(2, run.exitCode());
        assertEquals(1, run.errLines(), run.err());
        assertEquals("forwardpass: " + out + " exists: pass --force to replace it", run.err().strip());
        assertEquals("not a checkpoint", Files.readString(out));
        CliRunner forced = CliRunner.run("init", "--config", "tinystories-15m", "--out", out.toString(), "--force");
        assertEquals(0, forced.exitCode(), forced.err());
        JsonNode info = JSON.readTree(CliRunner.run("info", "--model", out.toString(), "--json").out());
        assertEquals(288, info.get("dim").asInt());
        assertEquals(6, info.get("n_layers").asInt());
    }

    @Test
    void eachSubcommandIsListedUnderItsOwnNameAndHelpListsThemAll() {
        Terminal terminal = new Terminal(InputStream.nullInputStream(), OutputStream.nullOutputStream(), System.err);
        Main.SUBCOMMANDS.forEach((name, subcommand) ->
                assertEquals(name, new CommandLine(subcommand.apply(terminal)).getCommandName()));
        String help = CliRunner.run("--help").out();
        Main.SUBCOMMANDS.keySet().forEach(name -> assertTrue(help.contains("  " + name + " "), name + ": " + help));
    }

    @Test
    void helpEverywhere() {
        for (String[] args : new String[][] {{"--help"}, {"generate", "--help"}, {"logits", "--help"},
                {"tokenize", "--help"}, {"info", "--help"}}) {
            CliRunner run = CliRunner.run(args);
            assertEquals(0, run.exitCode(), Arrays.toString(args));
            assertTrue(run.out().contains("Usage:"), run.out());
        }
        assertTrue(CliRunner.run("generate", "--help").out().contains("java"), "lists backends");
    }

    @Test
    void aMissingModelFile() {
        CliRunner run = CliRunner.run("generate", "--model", dir.resolve("missing.bin").toString());
        assertEquals(66, run.exitCode());
        assertEquals(1, run.errLines(), run.err());
        assertTrue(run.err().contains("missing.bin"), run.err());
    }

    @Test
    void aTruncatedCheckpoint() throws IOException {
        byte[] model = embedded("stories260K.bin");
        Path file = Files.write(dir.resolve("cut.bin"), Arrays.copyOf(model, 5000));
        Path tokenizer = Files.write(dir.resolve("tok.bin"), embedded("tok512.bin"));
        CliRunner run = CliRunner.run("generate", "--model", file.toString(), "--tokenizer", tokenizer.toString());
        assertEquals(65, run.exitCode());
        assertEquals(1, run.errLines(), run.err());
        assertTrue(run.err().startsWith("forwardpass: " + file + ": field 'weights'"), run.err());
    }

    @Test
    void aMalformedGgufFile() throws IOException {
        // "GGUF", version 3, then a tensor count of 2^40 that the rest of the file cannot hold
        ByteBuffer bytes = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(0x46554747).putInt(3)
                .putLong(1L << 40).putLong(0);
        Path file = Files.write(dir.resolve("lying.gguf"), bytes.array());
        CliRunner run = CliRunner.run("info", "--model", file.toString());
        assertEquals(65, run.exitCode());
        assertEquals(1, run.errLines(), run.err());
        assertTrue(run.err().startsWith("forwardpass: " + file + ": field 'tensor_count' at offset 8"), run.err());
    }

    @Test
    void anAbsurdDimension() throws IOException {
        byte[] model = embedded("stories260K.bin");
        ByteBuffer.wrap(model).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 1 << 30);
        Path file = Files.write(dir.resolve("absurd.bin"), model);
        CliRunner run = CliRunner.run("info", "--model", file.toString());
        assertEquals(65, run.exitCode());
        assertTrue(run.err().contains("field 'hidden_dim' at offset 4"), run.err());
    }

    @Test
    void aTokenizerCutInHalf() throws IOException {
        Path model = Files.write(dir.resolve("model.bin"), embedded("stories260K.bin"));
        byte[] tok = embedded("tok512.bin");
        Path half = Files.write(dir.resolve("half.bin"), Arrays.copyOf(tok, tok.length / 2));
        CliRunner run = CliRunner.run("tokenize", "--text", "hi", "--model", model.toString(), "--tokenizer", half.toString());
        assertEquals(65, run.exitCode());
        assertEquals(1, run.errLines(), run.err());
        assertTrue(run.err().contains("half.bin: field 'token["), run.err());
    }

    @Test
    void verbosePrintsTheStackTrace() {
        CliRunner run = CliRunner.run("info", "--model", dir.resolve("missing.bin").toString(), "--verbose");
        assertEquals(66, run.exitCode());
        assertTrue(run.errLines() > 1, run.err());
    }

    @Test
    void aModelFileBesideItsTokenizer() throws IOException {
        Files.write(dir.resolve("stories.bin"), embedded("stories260K.bin"));
        Files.write(dir.resolve("tokenizer.bin"), embedded("tok512.bin"));
        CliRunner run = CliRunner.run("generate", "--model", dir.resolve("stories.bin").toString(), "-t", "0", "-n", "20");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(GenerateCommandTest.GREEDY_200.startsWith(run.out().strip()), run.out());
    }

    private static byte[] embedded(String name) throws IOException {
        try (InputStream in = ToolCommandsTest.class.getResourceAsStream("/dev/forwardpass/models/stories260K/" + name)) {
            return in.readAllBytes();
        }
    }
}
