package dev.forwardpass.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

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

    /** {@return the non-empty lines of standard error} */
    long errLines() {
        return err.lines().filter(line -> !line.isBlank()).count();
    }
}
