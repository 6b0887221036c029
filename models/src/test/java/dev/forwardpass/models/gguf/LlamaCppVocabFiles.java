package dev.forwardpass.models.gguf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.tokenizer.LlamaCppVocabulary;
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
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /**
     * Writes Falcon's vocabulary as a tokenizer.json with Falcon's own pre-tokenizers (Punctuation, ByteLevel, Digits
     * and a split of three digits), where llama.cpp's table has regexes, into {@code dir}; {@return the file}
     */
    static Path falconTokenizerJson(Path dir) throws IOException {
        LlamaCppVocabulary falcon;
        try (MappedFile file = MappedFile.open(file("falcon", ""))) {
            falcon = GgufTokenizer.vocabulary(file);
        }
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model").put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < falcon.tokens().size(); id++) {
            if (falcon.types()[id] == LlamaCppVocabulary.TokenType.CONTROL) {
                added.addObject().put("id", id).put("content", falcon.tokens().get(id)).put("special", true);
            } else {
                vocab.put(falcon.tokens().get(id), id);
            }
        }
        falcon.merges().forEach(model.putArray("merges")::add);
        root.set("pre_tokenizer", JSON.readTree("""
                {"type": "Sequence", "pretokenizers": [
                  {"type": "Punctuation", "behavior": "Contiguous"},
                  {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
                  {"type": "Digits", "individual_digits": false},
                  {"type": "Split", "pattern": {"Regex": "[0-9][0-9][0-9]"}, "behavior": "Isolated", "invert": false}]}
                """));
        root.set("decoder", JSON.readTree("{\"type\": \"ByteLevel\"}"));
        Path json = dir.resolve("tokenizer.json");
        JSON.writeValue(json.toFile(), root);
        return json;
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
