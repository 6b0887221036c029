package dev.forwardpass.models.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the tokenizer.json that Hugging Face's converter would make of a SentencePiece BPE model, from a llama2.c
 * tokenizer file (which holds the same pieces and scores): the pieces become the vocabulary, and every split of a
 * piece into two pieces becomes a merge, ranked by the piece's score, best first (SentencePiece merges the pair
 * whose result scores highest). The same vocabulary thus reaches both tokenizers, run.c's and Hugging Face's.
 */
public final class SentencePieceFiles {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String SPACE = "\u2581";

    private SentencePieceFiles() {}

    /** How the tokenizer.json writes SentencePiece's dummy prefix and spaces. */
    public enum Style {
        /** Llama 2's original files: a Prepend + Replace normalizer, no pre-tokenizer. */
        LEGACY,
        /** Newer files: a Metaspace pre-tokenizer that prepends before the first part only. */
        METASPACE
    }

    /** Writes {@code dir/tokenizer.json} for the {@code vocabSize} tokens of a llama2.c tokenizer; {@return dir}. */
    public static Path write(Path dir, byte[] llama2cTokenizer, int vocabSize, Style style) throws IOException {
        RunCVocabulary runC = RunCVocabulary.read(llama2cTokenizer, vocabSize);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        String[] pieces = new String[vocabSize];
        float[] scores = runC.scores();
        for (int i = 0; i < vocabSize; i++) {
            // llama2.c's export wrote ▁ as a space, and BOS and EOS as "\n<s>\n" and "\n</s>\n"
            String piece = switch (i) {
                case 0 -> "<unk>";
                case 1 -> "<s>";
                case 2 -> "</s>";
                default -> new String(runC.pieces()[i].getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)
                        .replace(" ", SPACE);
            };
            pieces[i] = piece;
            vocab.putIfAbsent(piece, i);
        }
        record Merge(String left, String right, float score) {}
        List<Merge> merges = new ArrayList<>();
        for (int i = 3; i < vocabSize; i++) {
            String piece = pieces[i];
            if (vocab.get(piece) != i || (piece.startsWith("<0x") && piece.length() == 6)) {
                continue;
            }
            List<Merge> local = new ArrayList<>();
            for (int k = 1; k < piece.length(); k++) {
                if (Character.isLowSurrogate(piece.charAt(k))) {
                    continue;
                }
                String left = piece.substring(0, k);
                String right = piece.substring(k);
                Integer l = vocab.get(left);
                Integer r = vocab.get(right);
                if (l != null && r != null && l > 2 && r > 2) {
                    local.add(new Merge(left, right, scores[i]));
                }
            }
            local.sort(Comparator.comparing((Merge m) -> vocab.get(m.left())).thenComparing(m -> vocab.get(m.right())));
            merges.addAll(local);
        }
        merges.sort(Comparator.comparing(Merge::score).reversed()); // stable: equal scores keep their order

        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        String[] specials = {"<unk>", "<s>", "</s>"};
        for (int i = 0; i < 3; i++) {
            added.addObject().put("id", i).put("content", specials[i]).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        ObjectNode decoder = JSON.createObjectNode().put("type", "Sequence");
        ArrayNode decoders = decoder.putArray("decoders");
        ObjectNode replace = decoders.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", SPACE);
        replace.put("content", " ");
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        if (style == Style.LEGACY) {
            ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
            ArrayNode steps = normalizer.putArray("normalizers");
            steps.addObject().put("type", "Prepend").put("prepend", SPACE);
            ObjectNode spaces = steps.addObject().put("type", "Replace");
            spaces.putObject("pattern").put("String", " ");
            spaces.put("content", SPACE);
            root.putNull("pre_tokenizer");
        } else {
            root.putNull("normalizer");
            root.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", SPACE)
                    .put("prepend_scheme", "first").put("split", false);
        }
        root.set("post_processor", JSON.readTree("""
                {"type": "TemplateProcessing",
                 "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                 "pair": [],
                 "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}"""));
        root.set("decoder", decoder);
        ObjectNode model = root.putObject("model").put("type", "BPE").putNull("dropout").put("unk_token", "<unk>")
                .putNull("continuing_subword_prefix").putNull("end_of_word_suffix").put("fuse_unk", true)
                .put("byte_fallback", true);
        ObjectNode vocabNode = model.putObject("vocab");
        vocab.forEach(vocabNode::put);
        ArrayNode mergeNode = model.putArray("merges");
        merges.forEach(m -> mergeNode.add(m.left() + " " + m.right()));
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        return dir;
    }

    /** Writes a tokenizer_config.json into {@code dir} naming BOS and EOS as Llama 2's does. */
    public static void writeLlamaTokenizerConfig(Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"add_bos_token": true, "add_eos_token": false,
                 "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false, "normalized": false},
                 "eos_token": {"__type": "AddedToken", "content": "</s>", "lstrip": false, "normalized": false},
                 "unk_token": "<unk>", "tokenizer_class": "LlamaTokenizer"}""");
    }

}
