package dev.forwardpass.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * init --out, quantize --out and compare --plot: nothing is replaced without --force, a symbolic link at the
 * destination is replaced and never written through, and no partial file is left; a closed stdout ends quietly.
 */
class SafeWritesTest {
    @TempDir
    Path dir;

    /** The three commands that write a file, each writing {@code out}; the model is beside it. */
    private List<String[]> writers(Path out) throws IOException {
        Path model = CliRunner.stories260KBesideItsTokenizer(dir);
        return List.of(new String[] {"init", "--config", "tinystories-15m", "--out", out.toString()},
                new String[] {"quantize", "--model", model.toString(), "--type", "q8_0", "--out", out.toString()},
                new String[] {"compare", "--model", model.toString(), "--plot", out.toString()});
    }

    private static String[] forced(String[] args) {
        String[] forced = Arrays.copyOf(args, args.length + 1);
        forced[args.length] = "--force";
        return forced;
    }

    @Test
    void aSymbolicLinkAtTheDestinationIsReplacedNeverFollowed() throws IOException {
        Path target = Files.writeString(dir.resolve("precious.txt"), "keep me");
        for (String[] args : writers(dir.resolve("out"))) {
            Path link = dir.resolve("out");
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, target);
            String line = CliRunner.run(args).assertOneLineError(2);
            assertTrue(line.endsWith("exists (a symbolic link; --force replaces the link, not its target): pass --force "
                    + "to replace it"), line);
            CliRunner forced = CliRunner.run(forced(args));
            assertEquals(0, forced.exitCode(), args[0] + ": " + forced.err());
            assertFalse(Files.isSymbolicLink(link), args[0]);
            assertTrue(Files.size(link) > 1000, args[0]);
            assertEquals("keep me", Files.readString(target), args[0]);
            assertNoPartialFiles();
        }
    }

    @Test
    void aDanglingLinkOrAnExistingFileIsNotReplacedWithoutForce() throws IOException {
        for (String[] args : writers(dir.resolve("out"))) {
            Path out = dir.resolve("out");
            Files.deleteIfExists(out);
            Files.createSymbolicLink(out, dir.resolve("nowhere"));
            CliRunner.run(args).assertOneLineError(2);
            assertFalse(Files.exists(dir.resolve("nowhere")), args[0] + " wrote through a dangling link");
            Files.delete(out);
            Files.writeString(out, "old");
            assertTrue(CliRunner.run(args).assertOneLineError(2).endsWith(out + " exists: pass --force to replace it"));
            assertEquals("old", Files.readString(out));
            assertTrue(Files.exists(out, LinkOption.NOFOLLOW_LINKS));
        }
        assertNoPartialFiles();
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoPartialFile() throws IOException {
        // a tokenizer that does not fit the model: quantize fails after the checks, before writing anything
        Path model = CliRunner.stories260KBesideItsTokenizer(dir);
        Path out = Files.writeString(dir.resolve("model.gguf"), "the good file");
        Path wrong = Files.write(dir.resolve("wrong.bin"), Arrays.copyOf(CliRunner.embedded("tok512.bin"), 100));
        CliRunner run = CliRunner.run("quantize", "--model", model.toString(), "--type", "q8_0", "--out",
                out.toString(), "--tokenizer", wrong.toString(), "--force");
        run.assertOneLineError(65);
        assertEquals("the good file", Files.readString(out));
        assertNoPartialFiles();
    }

    private void assertNoPartialFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> partial = files.filter(p -> p.getFileName().toString().endsWith(".partial")).toList();
            assertEquals(List.of(), partial);
        }
    }

    @Test
    void aClosedStdoutEndsQuietlyWithSuccess() {
        for (int after : new int[] {0, 1, 40}) {
            for (String[] args : new String[][] {{"generate", "-t", "0", "-n", "100"},
                    {"tokenize", "--text", "Once upon a time"}, {"info"}}) {
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                int code = Main.execute(args, new ByteArrayInputStream(new byte[0]), new ClosedPipe(after),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
                assertEquals(0, code, Arrays.toString(args) + ": " + err);
                String errors = err.toString(StandardCharsets.UTF_8);
                assertFalse(errors.contains("forwardpass:") || errors.contains("Exception"), errors);
            }
        }
    }

    /** A pipe whose reader goes away after {@code capacity} bytes, as {@code | head -c N} does. */
    private static final class ClosedPipe extends OutputStream {
        private int capacity;

        ClosedPipe(int capacity) {
            this.capacity = capacity;
        }

        @Override
        public void write(int b) throws IOException {
            if (capacity-- <= 0) {
                throw new IOException("Broken pipe"); // what FileOutputStream throws on EPIPE
            }
        }
    }

    @Test
    void theWrittenFilesAreWhole() throws IOException {
        Path model = CliRunner.stories260KBesideItsTokenizer(dir);
        Path png = dir.resolve("chart.png");
        assertEquals(0, CliRunner.run("compare", "--model", model.toString(), "--plot", png.toString()).exitCode());
        byte[] magic = Arrays.copyOf(Files.readAllBytes(png), 8);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, magic);
        assertNoPartialFiles();
    }
}
