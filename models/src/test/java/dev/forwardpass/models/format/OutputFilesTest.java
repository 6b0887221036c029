package dev.forwardpass.models.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file is replaced whole or not at all, and a link at its place is replaced, not written through. */
class OutputFilesTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static OutputFiles.Content text(String text) {
        return channel -> channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aWriteThatFailsHalfWayLeavesTheOldFileAndNoPartialOne() throws IOException {
        Path out = Files.writeString(dir.resolve("model.gguf"), "the good file");
        for (Exception failure : new Exception[] {new IOException("No space left on device"),
                new IllegalStateException("a tensor of the wrong size")}) {
            Exception thrown = assertThrows(Exception.class, () -> OutputFiles.replace(out, channel -> {
                channel.write(ByteBuffer.wrap(new byte[4096]));
                if (failure instanceof IOException io) {
                    throw io;
                }
                throw (RuntimeException) failure;
            }));
            assertEquals(failure, thrown);
            assertEquals("the good file", Files.readString(out));
            assertEquals(List.of("model.gguf"), names());
        }
        OutputFiles.replace(out, text("the new file"));
        assertEquals("the new file", Files.readString(out));
        assertEquals(List.of("model.gguf"), names());
    }

    @Test
    void aLinkIsReplacedAndItsTargetKept() throws IOException {
        Path target = Files.writeString(dir.resolve("target.txt"), "keep me");
        Path link = Files.createSymbolicLink(dir.resolve("out.bin"), target);
        OutputFiles.replace(link, text("written"));
        assertFalse(Files.isSymbolicLink(link));
        assertEquals("written", Files.readString(link));
        assertEquals("keep me", Files.readString(target));
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.bin"), dir.resolve("nowhere"));
        OutputFiles.replace(dangling, text("here"));
        assertEquals("here", Files.readString(dangling));
        assertFalse(Files.exists(dir.resolve("nowhere")));
        assertEquals(List.of("dangling.bin", "out.bin", "target.txt"), names());
    }
}
