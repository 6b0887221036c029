package dev.forwardpass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs the tool in-process, capturing its streams. */
record CliRunner(int exitCode, String out, String err) {

    static CliRunner run(String... args) {
        return runWithInput("", args);
    }

    /** Runs the tool with {@code input} as its standard input. */
    static CliRunner runWithInput(String input, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.execute(args, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, errStream);
        }
        return new CliRunner(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Asserts that the run failed with {@code exitCode} and said why in one line of standard error, without a stack
     * trace, and {@return that line}.
     */
    String assertOneLineError(int exitCode) {
        assertEquals(exitCode, this.exitCode, err);
        assertEquals(1, errLines(), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "a stack trace reached the user: " + err);
        assertTrue(err.startsWith("forwardpass: "), err);
        return err.strip();
    }

    /** {@return the bytes of the embedded model's file {@code name}: stories260K.bin or tok512.bin} */
    static byte[] embedded(String name) throws IOException {
        try (InputStream in = CliRunner.class.getResourceAsStream("/dev/forwardpass/models/stories260K/" + name)) {
            return in.readAllBytes();
        }
    }

    /** Writes stories260K.bin and run.c's default tokenizer.bin beside it into {@code dir}; {@return the model} */
    static Path stories260KBesideItsTokenizer(Path dir) throws IOException {
        Files.write(dir.resolve("tokenizer.bin"), embedded("tok512.bin"));
        return Files.write(dir.resolve("stories260K.bin"), embedded("stories260K.bin"));
    }

    /** {@return the non-empty lines of standard error} */
    long errLines() {
        return err.lines().filter(line -> !line.isBlank()).count();
    }
}
