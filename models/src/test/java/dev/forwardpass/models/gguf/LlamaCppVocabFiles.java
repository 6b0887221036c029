package dev.forwardpass.models.gguf;

import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * llama.cpp's tokenizer test files in {@code ../shared/tokenizers/llama-cpp-vocab}: the vocab-only GGUF files and
 * the vectors of test-tokenizer-0 ({@code .inp}: the strings, each followed by a line {@code __ggml_vocab_test__};
 * {@code .out}: per string a line of space-separated ids).
 */
final class LlamaCppVocabFiles {
    /** The separator after each string of an {@code .inp} file. */
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    /**
     * One vector.
     *
     * @param text the string
     * @param ids its ids, encoded without BOS and without parsing special tokens
     */
    record Vector(String text, int[] ids) {}

    private LlamaCppVocabFiles() {}

    /** {@return the shared file of {@code vocab} with {@code suffix} ("" for the GGUF itself, ".inp", ".out")} */
    static Path file(String vocab, String suffix) {
        return TestFiles.shared("tokenizers/llama-cpp-vocab/ggml-vocab-" + vocab + ".gguf" + suffix);
    }

    /** {@return the tokenizer of the vocab-only GGUF file of {@code vocab}} */
    static Tokenizer tokenizer(String vocab) throws IOException {
        try (MappedFile file = MappedFile.open(file(vocab, ""))) {
            return GgufTokenizer.read(file, 0);
        }
    }

    /** {@return the vectors of {@code vocab}, in file order} */
    static List<Vector> vectors(String vocab) throws IOException {
        String inputs = Files.readString(file(vocab, ".inp"));
        List<String> outputs = Files.readAllLines(file(vocab, ".out"));
        List<Vector> vectors = new ArrayList<>();
        int start = 0;
        for (String output : outputs) {
            int end = inputs.indexOf(SEPARATOR, start);
            if (end < 0) {
                throw new IllegalStateException(vocab + ": more lines in .out than strings in .inp");
            }
            String ids = output.strip();
            vectors.add(new Vector(inputs.substring(start, end),
                    ids.isEmpty() ? new int[0] : Arrays.stream(ids.split(" ")).mapToInt(Integer::parseInt).toArray()));
            start = end + SEPARATOR.length();
        }
        if (start != inputs.length()) {
            throw new IllegalStateException(vocab + ": more strings in .inp than lines in .out");
        }
        return vectors;
    }
}
