package dev.forwardpass.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Where commands read and write: user turns from standard input ({@code chat}), raw bytes to standard output
 * (generated text is streamed as the model's bytes, exactly as run.c prints them), and diagnostics to standard error.
 * Tests pass their own streams.
 */
record Terminal(InputStream in, OutputStream out, PrintStream err) {

    /** {@return standard output as text} */
    PrintStream text() {
        return out instanceof PrintStream ps ? ps : new PrintStream(out, false, StandardCharsets.UTF_8);
    }
}
