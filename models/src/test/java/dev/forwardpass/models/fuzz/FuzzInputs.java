package dev.forwardpass.models.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.tokenizer.EncodeOptions;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What the fuzz targets share: the one outcome malformed input may have besides being read, temporary files for the
 * readers that take a path, and a fixed use of every tokenizer a fuzzed file produced.
 */
final class FuzzInputs {
    /** Text with spaces, punctuation, a control token's spelling, accents and a character beyond the BMP. */
    static final String TEXT = "Once upon a time, <s> a cat said \"héllo\" 😀 </s>\n\n  end<|endoftext|>";

    private static final Path FOLDER = createFolder();

    private FuzzInputs() {}

    /** Reads input that may be malformed. */
    @FunctionalInterface
    interface Read {
        void run() throws IOException;
    }

    /**
     * Runs {@code read}: a {@link ModelFormatException} or an {@link IllegalArgumentException} that says what is wrong
     * is the reader's rejection of malformed input; any other exception, error or hang escapes as a finding.
     */
    static void readOrReject(Read read) throws IOException {
        try {
            read.run();
        } catch (ModelFormatException | IllegalArgumentException rejected) {
            assertSaysWhat(rejected);
        }
    }

    /** Fails for a rejection whose message is empty: it must say what is wrong. */
    static void assertSaysWhat(Exception rejected) {
        String message = rejected.getMessage();
        assertFalse(message == null || message.isBlank(), () -> "a rejection without a message: " + rejected);
    }

    /** {@return a fresh empty folder for one input's files} (the previous input's files are deleted) */
    static Path emptyFolder(String name) {
        Path folder = FOLDER.resolve(name);
        try {
            if (Files.exists(folder)) {
                try (var files = Files.list(folder)) {
                    for (Path file : files.toList()) {
                        Files.delete(file);
                    }
                }
            }
            return Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@return the bytes before the first NUL and those after it}: two text files in one input (all of it the first if
     * there is no NUL)
     */
    static byte[][] splitAtNul(byte[] input) {
        int split = 0;
        while (split < input.length && input[split] != 0) {
            split++;
        }
        return new byte[][] {Arrays.copyOfRange(input, 0, split),
                Arrays.copyOfRange(input, Math.min(split + 1, input.length), input.length)};
    }

    /** {@return the file {@code name} in {@code folder}, holding {@code bytes}} */
    static Path write(Path folder, String name, byte[] bytes) {
        try {
            return Files.write(folder.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Uses a tokenizer a fuzzed file produced as generation would: checks that its BOS and EOS are in its vocabulary,
     * encodes {@link #TEXT} both ways, and decodes, prints and asks about every id of its vocabulary.
     */
    static void use(Tokenizer tokenizer) {
        int vocabSize = tokenizer.vocabSize();
        tokenizer.bosToken().ifPresent(id -> assertTrue(id >= 0 && id < vocabSize,
                () -> "BOS " + id + " is outside the vocabulary of " + vocabSize));
        tokenizer.eosToken().ifPresent(id -> assertTrue(id >= 0 && id < vocabSize,
                () -> "EOS " + id + " is outside the vocabulary of " + vocabSize));
        tokenizer.encode(TEXT, EncodeOptions.PROMPT);
        int[] ids = tokenizer.encode(TEXT, EncodeOptions.PLAIN_TEXT);
        int previous = tokenizer.bosToken().orElse(0);
        for (int id : ids) {
            tokenizer.decode(previous, id);
            previous = id;
        }
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            tokenizer.decode(previous, id);
            tokenizer.textBytes(previous, id);
            tokenizer.piece(id);
            tokenizer.stopsGeneration(id);
        }
    }

    private static Path createFolder() {
        try {
            Path folder = Files.createTempDirectory("forwardpass-fuzz");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    MoreFiles.deleteRecursively(folder, RecursiveDeleteOption.ALLOW_INSECURE);
                } catch (IOException e) {
                    System.err.println("could not delete the fuzz tests' files in " + folder + ": " + e);
                }
            }));
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
