package dev.forwardpass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every failure a user can cause ends in one line that says what to do, with a sysexits code, never a stack trace. */
class ErrorMessagesTest {
    @TempDir
    Path dir;

    @Test
    void aCommandLineThatDoesNotParseIsOneLineWithTheHelpHint() {
        String[][] cases = {{}, {"generate", "--steps", "many"}, {"init"}, {"generate", "--promt", "hi"},
                {"quantize", "--model", "m.bin", "--out"}, {"tokenize", "--text", "a", "extra"}, {"no-such-command"}};
        for (String[] args : cases) {
            String line = CliRunner.run(args).assertOneLineError(2);
            assertTrue(line.endsWith(" --help')"), Arrays.toString(args) + ": " + line);
        }
        assertTrue(CliRunner.run("init").err().contains("'forwardpass init --help'"));
        assertTrue(CliRunner.run("generate", "--promt", "hi").err().contains("did you mean --prompt"));
    }

    @Test
    void malformedUtf8InATextToScoreNamesTheFileAndTheOffset() throws IOException {
        // a byte that never starts a character, a sequence cut by the end, a lone continuation byte, an overlong '/'
        byte[][] texts = {utf8("Once upon", 0xFF, " a time"), utf8("caf", 0xC3, ""), utf8("x", 0x80, "y"),
                utf8("ab", 0xC0, "\u002f")};
        int[] offsets = {9, 3, 1, 2};
        for (int i = 0; i < texts.length; i++) {
            Path file = Files.write(dir.resolve("text" + i + ".txt"), texts[i]);
            String line = CliRunner.run("perplexity", "--file", file.toString()).assertOneLineError(65);
            assertTrue(line.startsWith("forwardpass: " + file + ": at offset " + offsets[i] + ": is not valid UTF-8"),
                    line);
        }
    }

    /** {@return the UTF-8 of {@code before}, the byte {@code b}, then the UTF-8 of {@code after}} */
    private static byte[] utf8(String before, int b, String after) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        out.write(b);
        out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void malformedUtf8InTokenizerFilesNamesTheFile() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("gpt2ish"));
        Files.writeString(folder.resolve("vocab.json"), "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        Files.write(folder.resolve("merges.txt"), "#version: 0.2\na b\n\u00e9 b\n".getBytes(StandardCharsets.ISO_8859_1));
        String line = CliRunner.run("tokenize", "--tokenizer", folder.toString(), "--text", "ab").assertOneLineError(65);
        assertTrue(line.startsWith("forwardpass: " + folder.resolve("merges.txt") + ": at offset 18: is not valid UTF-8"),
                line);
        Files.write(folder.resolve("tokenizer.json"), "{\"model\": \"\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1));
        line = CliRunner.run("tokenize", "--tokenizer", folder.toString(), "--text", "ab").assertOneLineError(65);
        assertTrue(line.startsWith("forwardpass: " + folder.resolve("tokenizer.json") + ": at offset 11: is not valid UTF-8"),
                line);
    }

    @Test
    void aNulInAShardNameIsAMalformedIndex() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("sharded"));
        Files.writeString(folder.resolve("config.json"), """
                {"model_type": "gpt2", "vocab_size": 16, "n_positions": 8, "n_embd": 4, "n_layer": 1, "n_head": 2}
                """);
        Files.writeString(folder.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"wte.weight\": \"model\\u0000.safetensors\"}}");
        String line = CliRunner.run("info", "--model", folder.toString()).assertOneLineError(65);
        assertTrue(line.contains("model.safetensors.index.json: field 'weight_map.wte.weight': is not a file name"),
                line);
    }

    @Test
    void aLoopOfSymbolicLinksSaysSo() throws IOException {
        Path a = dir.resolve("a.bin");
        Path b = dir.resolve("b.bin");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        for (String[] args : new String[][] {{"info", "--model", a.toString()},
                {"tokenize", "--text", "hi", "--tokenizer", b.toString()}, {"perplexity", "--file", a.toString()}}) {
            String line = CliRunner.run(args).assertOneLineError(Main.EXIT_IO_ERROR);
            assertTrue(line.contains("Too many levels of symbolic links"), line);
        }
    }

    @Test
    void aFifoOrDeviceIsRefusedAtOnceInsteadOfBlocking() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        String[][] cases = {{"info", "--model", fifo.toString()}, {"tokenize", "--text", "hi", "--tokenizer",
                fifo.toString()}, {"perplexity", "--file", fifo.toString()}, {"perplexity", "--file", "/dev/zero"},
                {"generate", "--model", "/dev/zero"}};
        for (String[] args : cases) {
            String line = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> CliRunner.run(args).assertOneLineError(Main.EXIT_IO_ERROR));
            assertTrue(line.endsWith("is not a regular file (a FIFO, socket or device): only files are read"), line);
        }
    }

    @Test
    void sizesFromAFileAreCheckedBeforeAnythingIsAllocated() throws IOException {
        byte[] header = new byte[7 * 4];
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putInt(1 << 20).putInt(1 << 20).putInt(1 << 20).putInt(1)
                .putInt(1).putInt(1 << 20).putInt(1 << 20);
        Path overflowing = Files.write(dir.resolve("overflowing.bin"), header);
        String line = CliRunner.run("info", "--model", overflowing.toString()).assertOneLineError(65);
        assertTrue(line.contains("field 'weights' at offset 28: the header's sizes need more than 2^63 bytes"), line);

        Path folder = Files.createDirectories(dir.resolve("huge-id"));
        Files.writeString(folder.resolve("vocab.json"), "{\"a\": 0, \"b\": 2000000000}");
        Files.writeString(folder.resolve("merges.txt"), "#version: 0.2\n");
        line = CliRunner.run("tokenize", "--tokenizer", folder.toString(), "--text", "ab").assertOneLineError(65);
        assertTrue(line.endsWith("vocab.json: field 'b': must be an integer id from 0 to 4194303, found 2000000000"),
                line);

        Files.writeString(folder.resolve("vocab.json"), "{\"a\": 0, \"b\": 1}");
        try (RandomAccessFile big = new RandomAccessFile(folder.resolve("merges.txt").toFile(), "rw")) {
            big.setLength(300L << 20);
        }
        line = CliRunner.run("tokenize", "--tokenizer", folder.toString(), "--text", "ab").assertOneLineError(65);
        assertTrue(line.contains("merges.txt: is larger than the 64 MB"), line);
    }

    @Test
    void anArgumentThatWasNotUtf8IsAnErrorNotAReplacementCharacter() {
        // what the JVM makes of the bytes "caf\xe9" in a UTF-8 locale, half a surrogate pair, and both in other places
        String[][] cases = {{"tokenize", "--text", "caf\uFFFD"}, {"generate", "--prompt", "\uD83D"},
                {"perplexity", "--file", "\uDE00.txt"}, {"tokenize", "--text=\uFFFD\uFFFD"}};
        int[] positions = {3, 3, 3, 2};
        for (int i = 0; i < cases.length; i++) {
            String line = CliRunner.run(cases[i]).assertOneLineError(2);
            assertTrue(line.startsWith("forwardpass: argument " + positions[i] + " is not valid UTF-8 text"), line);
        }
        // real text outside ASCII (a surrogate pair too) goes through: tok512 spells ë and 😀 as their UTF-8 bytes
        CliRunner run = CliRunner.run("tokenize", "--text", "Zoë 😀");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains(" " + (0xC3 + 3) + " " + (0xAB + 3) + " "), run.out());
        assertTrue(run.out().strip().endsWith((0xF0 + 3) + " " + (0x9F + 3) + " " + (0x98 + 3) + " " + (0x80 + 3)),
                run.out());
        Path named = dir.resolve("crêpes 日本.txt");
        String line = CliRunner.run("perplexity", "--file", named.toString()).assertOneLineError(Main.EXIT_NO_INPUT);
        assertEquals("forwardpass: " + named + ": file not found", line);
    }

    @Test
    void anUnreadableFileSaysPermissionDenied() {
        // as root every file is readable, so the mapping is checked on the exception the JDK throws for EACCES
        Path file = dir.resolve("secret.bin");
        for (Exception e : new Exception[] {new AccessDeniedException(file.toString()),
                new UncheckedIOException(new AccessDeniedException(file.toString()))}) {
            Report report = report(e);
            assertEquals(Main.EXIT_NO_PERMISSION, report.code());
            assertEquals("forwardpass: " + file + ": permission denied", report.err());
        }
    }

    @Test
    void runningOutOfMemoryIsOneLineThatSaysWhatToDo() {
        for (Throwable e : new Throwable[] {new OutOfMemoryError("Java heap space"),
                new RuntimeException(new OutOfMemoryError("Cannot reserve 1073741824 bytes of direct buffer memory")),
                new IllegalStateException("a pool task failed", new OutOfMemoryError())}) {
            Report report = report(e);
            assertEquals(Main.EXIT_OUT_OF_MEMORY, report.code());
            assertTrue(report.err().startsWith("forwardpass: out of memory"), report.err());
            assertTrue(report.err().contains("--max-context") && report.err().contains("-Xmx"), report.err());
            assertEquals(1, report.err().lines().count(), report.err());
        }
    }

    private record Report(int code, String err) {}

    private static Report report(Throwable e) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.report(e, false, new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Report(code, err.toString(StandardCharsets.UTF_8).strip());
    }
}
