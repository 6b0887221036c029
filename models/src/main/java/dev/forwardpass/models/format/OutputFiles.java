package dev.forwardpass.models.format;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writing a file so that a reader never sees half of it: the bytes go to a new temporary file in the same folder,
 * which is then renamed over the destination. A killed run leaves the old file as it was (and a hidden
 * {@code .NAME.*.partial} file), and a symbolic link at the destination is replaced, never written through.
 */
public final class OutputFiles {
    private OutputFiles() {}

    /** Writes the whole content of a file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    /** Writes {@code content} as the file {@code out}, replacing what is there only once it is complete. */
    public static void replace(Path out, Content content) throws IOException {
        Path absolute = out.toAbsolutePath();
        // createTempFile creates a new file (O_EXCL): it does not follow a link an attacker may have planted
        Path partial = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName() + ".", ".partial");
        try {
            try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                content.writeTo(channel);
                channel.force(true);
            }
            Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }
}
