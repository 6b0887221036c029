package dev.forwardpass.models.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forwardpass.models.format.InputFiles;
import dev.forwardpass.models.format.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads Hugging Face's tokenizer files into a {@link ByteLevelBpeTokenizer} or {@link SentencePieceBpeTokenizer}:
 * <ul>
 *   <li>{@code tokenizer.json} (the "fast" tokenizer: model, added tokens, normalizer, pre-tokenizer,
 *       post-processor, decoder), whose model must be BPE;
 *   <li>GPT-2's {@code vocab.json} (piece -> id) and {@code merges.txt} (a {@code #version} line, then one
 *       "left right" merge per line, best first);
 *   <li>beside either, the optional {@code tokenizer_config.json} ({@code bos_token}, {@code eos_token},
 *       {@code add_bos_token}, {@code add_eos_token}), {@code generation_config.json} ({@code bos_token_id},
 *       {@code eos_token_id}: an id or a list) and the model's {@code config.json} (the same ids, when there is no
 *       generation config).
 * </ul>
 * A malformed or unsupported file gives a {@link ModelFormatException} naming the file and the JSON path of the field.
 */
final class TokenizerFiles {
    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String VOCAB_JSON = "vocab.json";
    static final String MERGES_TXT = "merges.txt";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String GENERATION_CONFIG = "generation_config.json";
    static final String MODEL_CONFIG = "config.json";
    /** GPT-2's only special token: BOS, EOS and unknown at once. */
    static final String GPT2_END_OF_TEXT = "<|endoftext|>";
    static final String SPACE_SYMBOL = "\u2581"; // ▁, SentencePiece's visible space
    /** Ids must be below this: the largest real vocabularies have about 262,000 tokens, and ids size arrays. */
    static final int MAX_VOCAB_SIZE = 1 << 22;

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFiles() {}

    // ------------------------------------------------------------------------------------------------------------
    // GPT-2's vocab.json + merges.txt

    /** Reads GPT-2's two files; the folder of {@code vocabJson} may add the configs. */
    static ByteLevelBpeTokenizer readVocabAndMerges(Path vocabJson, Path mergesTxt, int modelVocabSize)
            throws IOException {
        Map<String, Integer> vocab = readVocab(vocabJson.toString(), readJson(vocabJson), "");
        List<String[]> merges = new ArrayList<>();
        List<String> lines = InputFiles.readText(mergesTxt).lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if ((i == 0 && line.startsWith("#version")) || line.isBlank()) {
                continue;
            }
            String[] pair = line.split(" ", -1);
            if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
                throw new ModelFormatException(mergesTxt.toString(), -1, "line " + (i + 1),
                        "a merge must be two pieces separated by one space, found '" + line + "'");
            }
            merges.add(pair);
        }
        BpeMerges table = merges(mergesTxt.toString(), "merges", merges, vocab);
        // GPT2Tokenizer registers <|endoftext|> as its special token, so that it is matched in text
        List<AddedTokens.Token> added = new ArrayList<>();
        Integer endOfText = vocab.get(GPT2_END_OF_TEXT);
        if (endOfText != null) {
            added.add(new AddedTokens.Token(endOfText, GPT2_END_OF_TEXT, true, false, false));
        }
        Lookup lookup = new Lookup(vocab, added);
        JsonNode config = readOptional(vocabJson.resolveSibling(TOKENIZER_CONFIG));
        boolean addPrefixSpace = config != null && config.path("add_prefix_space").asBoolean(false);
        TextPipeline pipeline = new TextPipeline(new AddedTokens(added), UnaryOperator.identity(),
                TextPipeline.byteLevel(addPrefixSpace, true));
        SpecialTokens specials = specials(vocabJson.getParent(), lookup, new int[0], new int[0], GPT2_END_OF_TEXT,
                GPT2_END_OF_TEXT);
        BpeVocabulary model = new BpeVocabulary(vocab, table, -1, false, false, null);
        return new ByteLevelBpeTokenizer(model, pipeline, specials, modelVocabSize);
    }

    // ------------------------------------------------------------------------------------------------------------
    // tokenizer.json

    /** Reads a tokenizer.json; its folder may add the configs. */
    static Tokenizer readTokenizerJson(Path file, int modelVocabSize) throws IOException {
        String source = file.toString();
        JsonNode root = readJson(file);
        Fields f = new Fields(source);
        JsonNode model = f.object(root, "model");
        String type = model.path("type").asText(model.has("merges") ? "BPE" : "");
        if (!type.equals("BPE")) {
            throw f.error("model.type", "unsupported tokenizer model '" + type + "' (supported: BPE)");
        }
        for (String field : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (model.hasNonNull(field) && !model.get(field).asText().isEmpty()) {
                throw f.error("model." + field, "word-piece style BPE is not supported, found " + model.get(field));
            }
        }
        Map<String, Integer> vocab = readVocab(source, f.object(model, "vocab"), "model.vocab.");
        List<String[]> mergePairs = readMerges(f, model.get("merges"));
        BpeMerges merges = merges(source, "model.merges", mergePairs, vocab);
        List<AddedTokens.Token> added = readAddedTokens(f, root.get("added_tokens"));
        Lookup lookup = new Lookup(vocab, added);
        int unk = -1;
        if (model.hasNonNull("unk_token")) {
            Integer id = lookup.id(model.get("unk_token").asText());
            if (id == null) {
                throw f.error("model.unk_token", "'" + model.get("unk_token").asText() + "' is not in the vocabulary");
            }
            unk = id;
        }
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        int[] byteTokens = null;
        if (byteFallback) {
            byteTokens = new int[256];
            for (int b = 0; b < 256; b++) {
                String piece = String.format("<0x%02X>", b);
                Integer id = vocab.get(piece);
                if (id == null) {
                    throw f.error("model.byte_fallback", "is true but the vocabulary has no " + piece);
                }
                byteTokens[b] = id;
            }
        }
        BpeVocabulary bpe = new BpeVocabulary(vocab, merges, unk, model.path("fuse_unk").asBoolean(false),
                model.path("ignore_merges").asBoolean(false), byteTokens);

        JsonNode preTokenizer = root.get("pre_tokenizer");
        JsonNode normalizer = root.get("normalizer");
        JsonNode decoder = root.get("decoder");
        boolean byteLevel = hasType(preTokenizer, "ByteLevel") || hasType(decoder, "ByteLevel");
        TextPipeline.PreTokenizer pre = preTokenizer(f, preTokenizer, "pre_tokenizer");
        if (byteLevel && !hasType(preTokenizer, "ByteLevel")) {
            pre = pre.then(TextPipeline.BYTE_CHARACTERS); // a ByteLevel decoder only: BPE still merges bytes
        }
        TextPipeline pipeline = new TextPipeline(new AddedTokens(added), normalizer(f, normalizer, "normalizer"), pre);
        int[][] template = postProcessor(f, root.get("post_processor"), "post_processor", lookup);
        Path folder = file.toAbsolutePath().getParent();

        if (byteLevel) {
            SpecialTokens specials = specials(folder, lookup, template[0], template[1], GPT2_END_OF_TEXT,
                    GPT2_END_OF_TEXT);
            return new ByteLevelBpeTokenizer(bpe, pipeline, specials, modelVocabSize);
        }
        String spaceSymbol = metaspaceReplacement(preTokenizer, decoder);
        boolean sentencePiece = byteFallback || spaceSymbol != null || mentions(normalizer, SPACE_SYMBOL)
                || mentions(decoder, SPACE_SYMBOL);
        if (!sentencePiece) {
            throw f.error("pre_tokenizer", "neither byte-level (a ByteLevel pre-tokenizer) nor SentencePiece-style "
                    + "(▁ for spaces, byte fallback): not supported");
        }
        SpecialTokens specials = specials(folder, lookup, template[0], template[1], "<s>", "</s>");
        return new SentencePieceBpeTokenizer(bpe, pipeline, specials, spaceSymbol == null ? SPACE_SYMBOL : spaceSymbol,
                stripsLeadingSpace(decoder), modelVocabSize);
    }

    private static Map<String, Integer> readVocab(String source, JsonNode vocab, String fieldPrefix)
            throws ModelFormatException {
        if (vocab == null || !vocab.isObject()) {
            throw new ModelFormatException(source, -1, fieldPrefix.isEmpty() ? "vocab" : "model.vocab",
                    "must be an object of piece -> id");
        }
        Map<String, Integer> ids = new HashMap<>(vocab.size() * 2);
        for (Map.Entry<String, JsonNode> e : vocab.properties()) {
            JsonNode id = e.getValue();
            if (!isId(id)) {
                throw new ModelFormatException(source, -1, fieldPrefix + e.getKey(),
                        "must be an integer id from 0 to " + (MAX_VOCAB_SIZE - 1) + ", found " + id);
            }
            ids.put(e.getKey(), id.asInt());
        }
        return ids;
    }

    /** Merges are "left right" strings (older files) or ["left", "right"] pairs (newer ones). */
    private static List<String[]> readMerges(Fields f, JsonNode merges) throws ModelFormatException {
        if (merges == null || merges.isNull()) {
            return List.of();
        }
        if (!merges.isArray()) {
            throw f.error("model.merges", "must be an array");
        }
        List<String[]> pairs = new ArrayList<>(merges.size());
        for (int i = 0; i < merges.size(); i++) {
            JsonNode m = merges.get(i);
            String[] pair = m.isTextual() ? m.asText().split(" ", -1)
                    : m.isArray() && m.size() == 2 ? new String[] {m.get(0).asText(), m.get(1).asText()} : null;
            if (pair == null || pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
                throw f.error("model.merges[" + i + "]", "must be \"left right\" or [left, right], found " + m);
            }
            pairs.add(pair);
        }
        return pairs;
    }

    private static BpeMerges merges(String source, String field, List<String[]> pairs, Map<String, Integer> vocab)
            throws ModelFormatException {
        try {
            return BpeMerges.of(pairs, vocab);
        } catch (BpeMerges.MissingPieceException e) {
            throw new ModelFormatException(source, -1, field + "[" + e.rank + "]", e.getMessage());
        }
    }

    private static List<AddedTokens.Token> readAddedTokens(Fields f, JsonNode added) throws ModelFormatException {
        List<AddedTokens.Token> tokens = new ArrayList<>();
        if (added == null || added.isNull()) {
            return tokens;
        }
        if (!added.isArray()) {
            throw f.error("added_tokens", "must be an array");
        }
        for (int i = 0; i < added.size(); i++) {
            JsonNode t = added.get(i);
            JsonNode id = t.get("id");
            JsonNode content = t.get("content");
            if (id == null || !isId(id) || content == null || !content.isTextual() || content.asText().isEmpty()) {
                throw f.error("added_tokens[" + i + "]", "needs an id from 0 to " + (MAX_VOCAB_SIZE - 1)
                        + " and a non-empty content, found " + t);
            }
            tokens.add(new AddedTokens.Token(id.asInt(), content.asText(), t.path("special").asBoolean(false),
                    t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false)));
        }
        return tokens;
    }

    // ------------------------------------------------------------------------------------------------------------
    // normalizer, pre-tokenizer, post-processor, decoder

    private static UnaryOperator<String> normalizer(Fields f, JsonNode n, String field) throws ModelFormatException {
        if (n == null || n.isNull()) {
            return UnaryOperator.identity();
        }
        String type = n.path("type").asText();
        return switch (type) {
            case "Sequence" -> {
                List<UnaryOperator<String>> steps = new ArrayList<>();
                JsonNode list = n.path("normalizers");
                for (int i = 0; i < list.size(); i++) {
                    steps.add(normalizer(f, list.get(i), field + ".normalizers[" + i + "]"));
                }
                yield TextPipeline.Normalizers.sequence(steps);
            }
            case "NFC" -> TextPipeline.Normalizers.unicode(Normalizer.Form.NFC);
            case "NFD" -> TextPipeline.Normalizers.unicode(Normalizer.Form.NFD);
            case "NFKC" -> TextPipeline.Normalizers.unicode(Normalizer.Form.NFKC);
            case "NFKD" -> TextPipeline.Normalizers.unicode(Normalizer.Form.NFKD);
            case "Lowercase" -> TextPipeline.Normalizers.lowercase();
            case "Prepend" -> TextPipeline.Normalizers.prepend(f.text(n, field, "prepend"));
            case "Replace" -> TextPipeline.Normalizers.replace(pattern(f, n.get("pattern"), field + ".pattern"),
                    f.text(n, field, "content"));
            default -> throw f.error(field + ".type", "unsupported normalizer '" + type
                    + "' (supported: Sequence, NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace)");
        };
    }

    private static TextPipeline.PreTokenizer preTokenizer(Fields f, JsonNode p, String field)
            throws ModelFormatException {
        if (p == null || p.isNull()) {
            return TextPipeline.PreTokenizer.NONE;
        }
        String type = p.path("type").asText();
        return switch (type) {
            case "Sequence" -> {
                TextPipeline.PreTokenizer chain = TextPipeline.PreTokenizer.NONE;
                JsonNode list = p.path("pretokenizers");
                for (int i = 0; i < list.size(); i++) {
                    chain = chain.then(preTokenizer(f, list.get(i), field + ".pretokenizers[" + i + "]"));
                }
                yield chain;
            }
            // Hugging Face's defaults when a field is missing: add_prefix_space and use_regex are both true
            case "ByteLevel" -> TextPipeline.byteLevel(p.path("add_prefix_space").asBoolean(true),
                    p.path("use_regex").asBoolean(true));
            case "Split" -> {
                if (p.path("invert").asBoolean(false)) {
                    throw f.error(field + ".invert", "an inverted split is not supported");
                }
                yield TextPipeline.regexSplit(pattern(f, p.get("pattern"), field + ".pattern"),
                        splitBehavior(f, p.path("behavior").asText(), field + ".behavior"));
            }
            case "Digits" -> TextPipeline.regexSplit(TextPipeline.compile(
                    p.path("individual_digits").asBoolean(false) ? "\\p{N}" : "\\p{N}+")::matcher,
                    TextPipeline.SplitBehavior.ISOLATED);
            // Falcon's: runs of punctuation ("Contiguous") or each character on its own
            case "Punctuation" -> {
                String behavior = p.path("behavior").asText("Isolated");
                yield behavior.equals("Contiguous")
                        ? TextPipeline.regexSplit(TextPipeline.compile(TextPipeline.PUNCTUATION + "+")::matcher,
                                TextPipeline.SplitBehavior.ISOLATED)
                        : TextPipeline.regexSplit(TextPipeline.compile(TextPipeline.PUNCTUATION)::matcher,
                                splitBehavior(f, behavior, field + ".behavior"));
            }
            case "Metaspace" -> TextPipeline.metaspace(p.path("replacement").asText(SPACE_SYMBOL),
                    prependScheme(p), p.path("split").asBoolean(true));
            default -> throw f.error(field + ".type", "unsupported pre-tokenizer '" + type
                    + "' (supported: Sequence, ByteLevel, Split, Digits, Punctuation, Metaspace)");
        };
    }

    /** Metaspace's prepend_scheme; files older than it have add_prefix_space instead. */
    private static TextPipeline.PrependScheme prependScheme(JsonNode metaspace) {
        if (metaspace.hasNonNull("prepend_scheme")) {
            return switch (metaspace.get("prepend_scheme").asText()) {
                case "first" -> TextPipeline.PrependScheme.FIRST;
                case "never" -> TextPipeline.PrependScheme.NEVER;
                default -> TextPipeline.PrependScheme.ALWAYS;
            };
        }
        return metaspace.path("add_prefix_space").asBoolean(true)
                ? TextPipeline.PrependScheme.ALWAYS : TextPipeline.PrependScheme.NEVER;
    }

    private static TextPipeline.SplitBehavior splitBehavior(Fields f, String behavior, String field)
            throws ModelFormatException {
        return switch (behavior) {
            case "Isolated" -> TextPipeline.SplitBehavior.ISOLATED;
            case "Removed" -> TextPipeline.SplitBehavior.REMOVED;
            case "MergedWithPrevious" -> TextPipeline.SplitBehavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> TextPipeline.SplitBehavior.MERGED_WITH_NEXT;
            default -> throw f.error(field, "unsupported split behavior '" + behavior
                    + "' (supported: Isolated, Removed, MergedWithPrevious, MergedWithNext)");
        };
    }

    /** {@return the pattern of a {"String": literal} or {"Regex": pattern} object}, run with a step budget */
    private static BoundedRegex pattern(Fields f, JsonNode pattern, String field) throws ModelFormatException {
        if (pattern != null && pattern.hasNonNull("String")) {
            return new BoundedRegex(Pattern.compile(Pattern.quote(pattern.get("String").asText())), f.source(),
                    field + ".String");
        }
        if (pattern != null && pattern.hasNonNull("Regex")) {
            try {
                return new BoundedRegex(TextPipeline.compile(pattern.get("Regex").asText()), f.source(),
                        field + ".Regex");
            } catch (PatternSyntaxException e) {
                throw f.error(field + ".Regex", "is not a pattern Java can compile: " + e.getDescription());
            }
        }
        throw f.error(field, "must be {\"String\": ...} or {\"Regex\": ...}, found " + pattern);
    }

    /**
     * {@return the ids the post-processor puts before ([0]) and after ([1]) a single text} TemplateProcessing's
     * {@code single} template, or Roberta/Bert's cls and sep; ByteLevel adds nothing.
     */
    private static int[][] postProcessor(Fields f, JsonNode p, String field, Lookup lookup)
            throws ModelFormatException {
        List<Integer> before = new ArrayList<>();
        List<Integer> after = new ArrayList<>();
        collectTemplate(f, p, field, lookup, before, after);
        return new int[][] {toArray(before), toArray(after)};
    }

    private static void collectTemplate(Fields f, JsonNode p, String field, Lookup lookup, List<Integer> before,
            List<Integer> after) throws ModelFormatException {
        if (p == null || p.isNull()) {
            return;
        }
        String type = p.path("type").asText();
        switch (type) {
            case "Sequence" -> {
                JsonNode list = p.path("processors");
                for (int i = 0; i < list.size(); i++) {
                    collectTemplate(f, list.get(i), field + ".processors[" + i + "]", lookup, before, after);
                }
            }
            case "ByteLevel" -> { }
            case "TemplateProcessing" -> {
                JsonNode single = p.path("single");
                boolean seenSequence = false;
                for (int i = 0; i < single.size(); i++) {
                    JsonNode item = single.get(i);
                    if (item.has("Sequence")) {
                        seenSequence = true;
                    } else if (item.has("SpecialToken")) {
                        String name = item.get("SpecialToken").path("id").asText();
                        JsonNode ids = p.path("special_tokens").path(name).path("ids");
                        List<Integer> into = seenSequence ? after : before;
                        if (ids.isArray() && !ids.isEmpty()) {
                            ids.forEach(id -> into.add(id.asInt()));
                        } else {
                            Integer id = lookup.id(name);
                            if (id == null) {
                                throw f.error(field + ".single[" + i + "]", "special token '" + name + "' is unknown");
                            }
                            into.add(id);
                        }
                    }
                }
            }
            case "RobertaProcessing", "BertProcessing" -> {
                before.add(p.path("cls").path(1).asInt());
                after.add(p.path("sep").path(1).asInt());
            }
            default -> throw f.error(field + ".type", "unsupported post-processor '" + type
                    + "' (supported: TemplateProcessing, ByteLevel, Sequence, RobertaProcessing, BertProcessing)");
        }
    }

    /** {@return the replacement character of a Metaspace pre-tokenizer or decoder, or null if there is none} */
    private static String metaspaceReplacement(JsonNode preTokenizer, JsonNode decoder) {
        for (JsonNode node : new JsonNode[] {preTokenizer, decoder}) {
            JsonNode metaspace = findType(node, "Metaspace");
            if (metaspace != null) {
                return metaspace.path("replacement").asText(SPACE_SYMBOL);
            }
        }
        return null;
    }

    /**
     * {@return whether the decoder drops the space at the start of the text} (the one SentencePiece's dummy prefix
     * put there): a Strip of one leading space, or a Metaspace decoder that prepends.
     */
    private static boolean stripsLeadingSpace(JsonNode decoder) {
        JsonNode strip = findType(decoder, "Strip");
        if (strip != null && strip.path("start").asInt(0) >= 1) {
            return true;
        }
        JsonNode metaspace = findType(decoder, "Metaspace");
        return metaspace != null && prependScheme(metaspace) != TextPipeline.PrependScheme.NEVER;
    }

    private static boolean hasType(JsonNode node, String type) {
        return findType(node, type) != null;
    }

    /** {@return the first object of {@code type} in a component or in its Sequence, or null} */
    private static JsonNode findType(JsonNode node, String type) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (type.equals(node.path("type").asText())) {
            return node;
        }
        for (String list : new String[] {"pretokenizers", "decoders", "normalizers", "processors"}) {
            for (JsonNode child : node.path(list)) {
                JsonNode found = findType(child, type);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** {@return whether any string value inside {@code node} contains {@code text}} */
    private static boolean mentions(JsonNode node, String text) {
        if (node == null) {
            return false;
        }
        if (node.isTextual()) {
            return node.asText().contains(text);
        }
        for (JsonNode child : node) {
            if (mentions(child, text)) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------------------------
    // BOS and EOS

    /**
     * {@return the control tokens} from the template and the configs in {@code folder}: tokenizer_config.json's
     * {@code add_bos_token}/{@code add_eos_token}, when present, override the template; the BOS is its
     * {@code bos_token}, else the generation config's (or model config's) {@code bos_token_id}, else the template's
     * first token, else {@code defaultBos} if the vocabulary has it; the EOS ids are the union of
     * tokenizer_config.json's {@code eos_token} and the generation config's (or model config's) {@code eos_token_id},
     * else {@code defaultEos} if the vocabulary has it.
     */
    private static SpecialTokens specials(Path folder, Lookup lookup, int[] templatePrefix, int[] templateSuffix,
            String defaultBos, String defaultEos) throws IOException {
        Path configPath = folder == null ? null : folder.resolve(TOKENIZER_CONFIG);
        JsonNode config = folder == null ? null : readOptional(configPath);
        Path generationPath = folder == null ? null : folder.resolve(GENERATION_CONFIG);
        JsonNode generation = folder == null ? null : readOptional(generationPath);
        if (generation == null && folder != null) {
            generationPath = folder.resolve(MODEL_CONFIG);
            generation = readOptional(generationPath);
        }
        Fields f = new Fields(configPath == null ? TOKENIZER_CONFIG : configPath.toString());
        Fields g = new Fields(generationPath == null ? GENERATION_CONFIG : generationPath.toString());
        int bos = tokenOf(f, config, "bos_token", lookup);
        if (bos < 0 && generation != null && generation.path("bos_token_id").canConvertToInt()) {
            bos = tokenId(g, "bos_token_id", generation.get("bos_token_id"), lookup);
        }
        if (bos < 0 && templatePrefix.length > 0) {
            bos = templatePrefix[0];
        }
        if (bos < 0 && lookup.id(defaultBos) != null) {
            bos = lookup.id(defaultBos);
        }
        Set<Integer> eos = new LinkedHashSet<>();
        int configEos = tokenOf(f, config, "eos_token", lookup);
        if (configEos >= 0) {
            eos.add(configEos);
        }
        JsonNode eosIds = generation == null ? null : generation.get("eos_token_id");
        if (eosIds != null && eosIds.canConvertToInt()) {
            eos.add(tokenId(g, "eos_token_id", eosIds, lookup));
        } else if (eosIds != null && eosIds.isArray()) {
            for (int i = 0; i < eosIds.size(); i++) {
                eos.add(tokenId(g, "eos_token_id[" + i + "]", eosIds.get(i), lookup));
            }
        }
        if (eos.isEmpty() && lookup.id(defaultEos) != null) {
            eos.add(lookup.id(defaultEos));
        }
        int[] prefix = templatePrefix;
        int[] suffix = templateSuffix;
        if (config != null && config.path("add_bos_token").isBoolean()) {
            boolean add = config.get("add_bos_token").asBoolean();
            if (add && bos < 0) {
                throw f.error("add_bos_token", "is true but no BOS token is known (bos_token)");
            }
            prefix = add ? new int[] {bos} : new int[0];
        }
        if (config != null && config.path("add_eos_token").isBoolean()) {
            boolean add = config.get("add_eos_token").asBoolean();
            if (add && eos.isEmpty()) {
                throw f.error("add_eos_token", "is true but no EOS token is known (eos_token)");
            }
            suffix = add ? new int[] {eos.iterator().next()} : new int[0];
        }
        return new SpecialTokens(prefix, suffix, bos, eos.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * {@return the id of tokenizer_config.json's {@code field}} The field is a string or an object with a
     * {@code content}; -1 if it is absent.
     */
    private static int tokenOf(Fields f, JsonNode config, String field, Lookup lookup) throws ModelFormatException {
        JsonNode node = config == null ? null : config.get(field);
        if (node == null || node.isNull()) {
            return -1;
        }
        String content = node.isTextual() ? node.asText() : node.path("content").asText(null);
        if (content == null) {
            throw f.error(field, "must be a string or an object with a content, found " + node);
        }
        Integer id = lookup.id(content);
        if (id == null) {
            throw f.error(field, "'" + content + "' is not in the vocabulary");
        }
        return id;
    }

    /** {@return the token id {@code id} of a generation config's (or model config's) {@code field}} */
    private static int tokenId(Fields f, String field, JsonNode id, Lookup lookup) throws ModelFormatException {
        if (!id.canConvertToExactIntegral() || !id.canConvertToInt() || !lookup.contains(id.asInt())) {
            throw f.error(field, "must be the id of a token of the vocabulary, found " + id);
        }
        return id.asInt();
    }

    // ------------------------------------------------------------------------------------------------------------
    // chat template

    /** {@return the chat template of the folder's files, if they hold one} ({@link Tokenizers#chatTemplate}) */
    static Optional<String> chatTemplate(Path folder) throws IOException {
        Path config = folder.resolve(TOKENIZER_CONFIG);
        JsonNode template = Files.isRegularFile(config) ? readJson(config).get("chat_template") : null;
        if (template != null && template.isTextual()) {
            return Optional.of(template.asText());
        }
        if (template != null && template.isArray()) {
            for (JsonNode named : template) {
                if (named.path("name").asText().equals("default") && named.path("template").isTextual()) {
                    return Optional.of(named.get("template").asText());
                }
            }
        }
        Path jinja = folder.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            return Optional.of(InputFiles.readText(jinja));
        }
        Path json = folder.resolve("chat_template.json");
        JsonNode alone = Files.isRegularFile(json) ? readJson(json).get("chat_template") : null;
        return alone != null && alone.isTextual() ? Optional.of(alone.asText()) : Optional.empty();
    }

    // ------------------------------------------------------------------------------------------------------------
    // helpers

    /** Finds a token's id by its text: added tokens first, then the vocabulary. */
    private record Lookup(Map<String, Integer> vocab, Map<String, Integer> added) {
        Lookup(Map<String, Integer> vocab, List<AddedTokens.Token> added) {
            this(vocab, byContent(added));
        }

        private static Map<String, Integer> byContent(List<AddedTokens.Token> added) {
            Map<String, Integer> map = new HashMap<>();
            added.forEach(t -> map.putIfAbsent(t.content(), t.id()));
            return map;
        }

        Integer id(String text) {
            Integer id = added.get(text);
            return id != null ? id : vocab.get(text);
        }

        /** {@return whether {@code id} is the id of a token} (a scan: for the few ids the configs name) */
        boolean contains(int id) {
            return added.containsValue(id) || vocab.containsValue(id);
        }
    }

    /** Errors and typed reads for one file. */
    private record Fields(String source) {
        ModelFormatException error(String field, String problem) {
            return new ModelFormatException(source, -1, field, problem);
        }

        JsonNode object(JsonNode parent, String field) throws ModelFormatException {
            JsonNode node = parent.get(field);
            if (node == null || !node.isObject()) {
                throw error(field, "must be an object, found " + node);
            }
            return node;
        }

        String text(JsonNode parent, String parentField, String field) throws ModelFormatException {
            JsonNode node = parent.get(field);
            if (node == null || !node.isTextual()) {
                throw error(parentField + "." + field, "must be a string, found " + node);
            }
            return node.asText();
        }
    }

    /** {@return whether {@code id} is a whole number that can be a token id} */
    private static boolean isId(JsonNode id) {
        return id.canConvertToExactIntegral() && id.canConvertToInt() && id.asInt() >= 0 && id.asInt() < MAX_VOCAB_SIZE;
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@return the JSON of {@code file}}, or a {@link ModelFormatException} naming it if it is not JSON. */
    static JsonNode readJson(Path file) throws IOException {
        try {
            byte[] json = InputFiles.readUtf8(file);
            InputFiles.checkNoNul(json, file.toString(), 0, file.getFileName().toString());
            JsonNode node = JSON.readTree(json);
            if (node == null || node.isMissingNode()) {
                throw new ModelFormatException(file.toString(), 0, file.getFileName().toString(), "is empty");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(file.toString(),
                    e.getLocation() == null ? -1 : e.getLocation().getByteOffset(), file.getFileName().toString(),
                    "is not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
    }

    /** {@return the JSON of {@code file}, or null if there is no such file} */
    private static JsonNode readOptional(Path file) throws IOException {
        return Files.isRegularFile(file) ? readJson(file) : null;
    }
}
