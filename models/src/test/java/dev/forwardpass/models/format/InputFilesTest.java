package dev.forwardpass.models.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files a user names are read in bounded time and memory, and what is wrong with them is said. */
class InputFilesTest {
    @TempDir
    Path dir;

    /** {@return a new FIFO in the test's folder} (opening it for reading would block until a writer comes) */
    static Path fifo(Path dir, String name) throws IOException, InterruptedException {
        Path fifo = dir.resolve(name);
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        return fifo;
    }

    @Test
    void onlyRegularFilesAreOpened() throws Exception {
        Path fifo = fifo(dir, "model.bin");
        Path[] refused = {fifo, Path.of("/dev/zero"), dir};
        for (Path path : refused) {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                for (InputFilesTest.Open open : new Open[] {MappedFile::open, InputFiles::readText, InputFiles::readUtf8}) {
                    FileSystemException e = assertThrows(FileSystemException.class, () -> open.on(path));
                    assertEquals(path.toString(), e.getFile());
                    assertTrue(e.getReason().contains(path.equals(dir) ? "is a directory" : "not a regular file"),
                            e.getMessage());
                }
            });
        }
        NoSuchFileException missing = assertThrows(NoSuchFileException.class,
                () -> MappedFile.open(dir.resolve("missing.bin")));
        assertEquals("file not found", missing.getReason());
    }

    @FunctionalInterface
    private interface Open {
        Object on(Path path) throws IOException;
    }

    @Test
    void aLoopOfSymbolicLinksIsNotAMissingFile() throws IOException {
        Path a = Files.createSymbolicLink(dir.resolve("a"), dir.resolve("b"));
        Files.createSymbolicLink(dir.resolve("b"), a);
        FileSystemException e = assertThrows(FileSystemException.class, () -> MappedFile.open(a));
        assertTrue(e.getMessage().contains("Too many levels of symbolic links"), e.getMessage());
    }

    @Test
    void aTextFileLargerThanTheLimitIsRefusedBeforeItIsRead() throws IOException {
        Path big = dir.resolve("merges.txt");
        try (RandomAccessFile file = new RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(300L << 20); // sparse: 300 MB that take no disk
        }
        for (Open open : new Open[] {InputFiles::readText, InputFiles::readUtf8, InputFiles::readBytes}) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> open.on(big));
            assertEquals(big + ": is larger than the 64 MB a text or JSON file may have (314572800 bytes)",
                    e.getMessage());
        }
    }

    @Test
    void malformedUtf8IsReportedAtItsByteOffset() throws IOException {
        byte[][] files = {{'a', 'b', (byte) 0xFF}, {(byte) 0xE6, (byte) 0x97, 'x'}, {'o', 'k', (byte) 0xED, (byte) 0xA0,
                (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}};
        long[] offsets = {2, 0, 2, 0};
        for (int i = 0; i < files.length; i++) {
            Path file = Files.write(dir.resolve("text" + i + ".txt"), files[i]);
            for (Open open : new Open[] {InputFiles::readText, InputFiles::readUtf8}) {
                ModelFormatException e = assertThrows(ModelFormatException.class, () -> open.on(file));
                assertEquals(offsets[i], e.offset(), e.getMessage());
                assertEquals(file.toString(), e.source());
                assertTrue(e.getMessage().startsWith(file + ": at offset " + offsets[i] + ": is not valid UTF-8"),
                        e.getMessage());
            }
        }
        String text = "Zoë — 日本語 😀 " + "x".repeat(20_000);
        Path good = Files.writeString(dir.resolve("good.txt"), text);
        assertEquals(text, InputFiles.readText(good));
        assertEquals(text, new String(InputFiles.readUtf8(good), StandardCharsets.UTF_8));
    }
}
