package dev.forwardpass.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The real GPT-2 vocabulary (a test resource) and tokenizer.json files built from it, as Hugging Face writes them, with
 * GPT-2's, Llama 3's or Qwen2's pre-tokenizer: the same BPE behind three split patterns.
 */
public final class Gpt2Files {
    static final String LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN2_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Gpt2Files() {}

    /** {@return the folder holding the resource vocab.json and merges.txt} */
    static Path folder() {
        try {
            return Path.of(Gpt2Files.class.getResource("/dev/forwardpass/models/tokenizer/gpt2/vocab.json").toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Copies vocab.json and merges.txt into {@code dir} and {@return dir}. */
    public static Path copyTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.copy(folder().resolve("vocab.json"), dir.resolve("vocab.json"));
        Files.copy(folder().resolve("merges.txt"), dir.resolve("merges.txt"));
        return dir;
    }

    /** Which pre-tokenizer a generated tokenizer.json has. */
    enum Flavour { GPT2, LLAMA3, QWEN2 }

    /** Writes {@code dir/tokenizer.json} for GPT-2's vocabulary with the pre-tokenizer of {@code flavour}; {@return dir}. */
    static Path writeTokenizerJson(Path dir, Flavour flavour) throws IOException {
        Files.createDirectories(dir);
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        added.addObject().put("id", 50256).put("content", "<|endoftext|>").put("single_word", false)
                .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        if (flavour == Flavour.QWEN2) {
            root.putObject("normalizer").put("type", "NFC");
        } else {
            root.putNull("normalizer");
        }
        ObjectNode byteLevel = JSON.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", true).put("use_regex", flavour == Flavour.GPT2);
        if (flavour == Flavour.GPT2) {
            root.set("pre_tokenizer", byteLevel);
        } else {
            ObjectNode seq = root.putObject("pre_tokenizer").put("type", "Sequence");
            ArrayNode list = seq.putArray("pretokenizers");
            ObjectNode split = list.addObject().put("type", "Split");
            split.putObject("pattern").put("Regex", flavour == Flavour.LLAMA3 ? LLAMA3_PATTERN : QWEN2_PATTERN);
            split.put("behavior", "Isolated").put("invert", false);
            list.add(byteLevel);
        }
        root.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", true).put("use_regex", true);
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true)
                .put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model").put("type", "BPE").putNull("dropout").putNull("unk_token")
                .put("continuing_subword_prefix", "").put("end_of_word_suffix", "").put("fuse_unk", false)
                .put("byte_fallback", false).put("ignore_merges", flavour == Flavour.LLAMA3);
        model.set("vocab", JSON.readTree(folder().resolve("vocab.json").toFile()));
        ArrayNode merges = model.putArray("merges");
        List<String> lines = Files.readAllLines(folder().resolve("merges.txt"), StandardCharsets.UTF_8);
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isEmpty()) {
                // newer files write pairs as arrays, older ones as "left right": use both
                if (merges.size() % 2 == 0) {
                    merges.add(line);
                } else {
                    String[] pair = line.split(" ");
                    merges.addArray().add(pair[0]).add(pair[1]);
                }
            }
        }
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        return dir;
    }

    /** Writes {@code node} as {@code dir/name}. */
    static void writeJson(Path dir, String name, JsonNode node) {
        try {
            JSON.writeValue(dir.resolve(name).toFile(), node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return a JSON object parsed from {@code text}} */
    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
