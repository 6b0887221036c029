package dev.forwardpass.cli;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --force} flag of a command that writes a file: without it, an existing file (or a symbolic link, even a
 * dangling one) is never replaced. The file is written by {@link dev.forwardpass.models.format.OutputFiles#replace}:
 * complete or not at all, and a link is replaced by the file, its target left as it is.
 */
final class OverwriteOption {
    @Option(names = "--force", description = "Replace the output file if it exists (a symbolic link is replaced, "
            + "not followed).")
    boolean force;

    /** Checks, before any work, that {@code file} may be written: nothing is there yet, or {@code --force} is set. */
    void checkWritable(Path file) {
        boolean link = Files.isSymbolicLink(file);
        checkArgument(force || !Files.exists(file, LinkOption.NOFOLLOW_LINKS), "%s exists%s: pass --force to replace it",
                file, link ? " (a symbolic link; --force replaces the link, not its target)" : "");
    }
}
