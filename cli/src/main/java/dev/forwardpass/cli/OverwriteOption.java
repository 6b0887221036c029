package dev.forwardpass.cli;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --force} flag of a command that writes a file: without it, an existing file is never replaced. */
final class OverwriteOption {
    @Option(names = "--force", description = "Replace the output file if it exists.")
    boolean force;

    /** Checks, before any work, that {@code file} may be written: it does not exist yet, or {@code --force} is set. */
    void checkWritable(Path file) {
        checkArgument(force || !Files.exists(file), "%s exists: pass --force to replace it", file);
    }
}
