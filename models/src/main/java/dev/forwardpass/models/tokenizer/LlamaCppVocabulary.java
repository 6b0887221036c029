package dev.forwardpass.models.tokenizer;

import dev.forwardpass.models.format.ModelFormatException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * A vocabulary as llama.cpp keeps it, which is what a GGUF file's {@code tokenizer.ggml.*} keys hold, and the
 * tokenizer llama.cpp makes of it ({@code llama-vocab.cpp}):
 * <ul>
 *   <li>{@code llama}: SentencePiece BPE. Spaces become {@code ▁}, one is put before the text (and after each added
 *       token); adjacent symbols merge into the best-scoring piece first; a character the vocabulary lacks becomes
 *       its UTF-8 bytes as {@code <0xXX>} tokens. Read as a {@link SentencePieceBpeTokenizer}.
 *   <li>{@code gpt2}: byte-level BPE with ranked merges, after the pre-tokenizer {@code tokenizer.ggml.pre} names
 *       ({@link LlamaCppPreTokenizer}). Read as a {@link ByteLevelBpeTokenizer}.
 * </ul>
 * Control and unknown tokens are matched in the text when special tokens are parsed; user-defined tokens always
 * are, before BPE (Hugging Face's added tokens); unused tokens (padding) are neither produced nor printed. Every field
 * is as the file has it; {@link #tokenizer} checks them.
 *
 * @param source the file, for messages
 * @param model {@code tokenizer.ggml.model}
 * @param pre {@code tokenizer.ggml.pre}, or null if the file has none (llama.cpp then takes "default")
 * @param tokens {@code tokenizer.ggml.tokens}: each token's text, by id
 * @param scores {@code tokenizer.ggml.scores}, by id, or null if absent
 * @param types {@code tokenizer.ggml.token_type}, by id, or null if absent (every token normal)
 * @param merges {@code tokenizer.ggml.merges}: "left right", best first (empty for {@code llama})
 * @param control the control tokens and whether encoding adds them
 * @param addSpacePrefix {@code tokenizer.ggml.add_space_prefix}, if present
 * @param chatTemplate {@code tokenizer.chat_template}, if present: the Jinja template that formats a chat
 */
public record LlamaCppVocabulary(String source, String model, String pre, List<String> tokens, float[] scores,
        TokenType[] types, List<String> merges, ControlTokens control, Optional<Boolean> addSpacePrefix,
        Optional<String> chatTemplate) {

    /** The token types of llama.cpp's {@code llama_token_type}, in the order of their ids. */
    public enum TokenType { UNDEFINED, NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE }

    /**
     * The control tokens a file names (-1 for one it does not) and whether encoding adds BOS and EOS.
     *
     * @param bos {@code tokenizer.ggml.bos_token_id}
     * @param eos {@code tokenizer.ggml.eos_token_id}
     * @param eot {@code tokenizer.ggml.eot_token_id}, which also ends a generation
     * @param eom {@code tokenizer.ggml.eom_token_id}, which also ends a generation
     * @param unk {@code tokenizer.ggml.unknown_token_id}
     * @param addBos {@code tokenizer.ggml.add_bos_token}, if present
     * @param addEos {@code tokenizer.ggml.add_eos_token}, if present
     */
    public record ControlTokens(int bos, int eos, int eot, int eom, int unk, Optional<Boolean> addBos,
            Optional<Boolean> addEos) {}

    static final String SPM = "llama";
    static final String BPE = "gpt2";
    private static final String DEFAULT_PRE = "default";

    /** Copies the lists and arrays; of the fields, only {@code pre}, {@code scores} and {@code types} may be null. */
    public LlamaCppVocabulary {
        Objects.requireNonNull(source);
        Objects.requireNonNull(model);
        tokens = List.copyOf(tokens);
        scores = scores == null ? null : scores.clone();
        types = types == null ? null : types.clone();
        merges = List.copyOf(merges);
        Objects.requireNonNull(control);
        Objects.requireNonNull(addSpacePrefix);
        Objects.requireNonNull(chatTemplate);
    }

    /**
     * {@return the tokenizer of this vocabulary}, for a model of {@code modelVocabSize} ids (0: the vocabulary's own
     * size; a larger model's extra ids print nothing)
     *
     * @throws ModelFormatException naming the key whose value is malformed or unsupported
     */
    public Tokenizer tokenizer(int modelVocabSize) throws ModelFormatException {
        int n = tokens.size();
        if (scores != null && scores.length < n) {
            throw error("tokenizer.ggml.scores", scores.length + " scores for " + n + " tokens");
        }
        if (types != null && types.length < n) {
            throw error("tokenizer.ggml.token_type", types.length + " types for " + n + " tokens");
        }
        if (modelVocabSize > 0 && n > modelVocabSize) {
            throw error("tokenizer.ggml.tokens", n + " tokens for a model of " + modelVocabSize);
        }
        Map<String, Integer> all = new HashMap<>(n * 2);     // text -> id, as llama.cpp looks tokens up
        Map<String, Integer> vocab = new HashMap<>(n * 2);   // the same, less the added tokens
        List<AddedTokens.Token> added = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            String text = tokens.get(id);
            if (text.isEmpty()) {
                continue;   // llama.cpp renames it "[EMPTY_id]": no text can produce it
            }
            Integer previous = all.putIfAbsent(text, id);
            if (previous != null) {
                throw error("tokenizer.ggml.tokens", "'" + text + "' is token " + previous + " and " + id);
            }
            switch (type(id)) {
                case CONTROL, UNKNOWN -> added.add(new AddedTokens.Token(id, text, true, false, false));
                case USER_DEFINED -> added.add(new AddedTokens.Token(id, text, false, false, false));
                case UNUSED -> { }  // padding ("[PAD5]"): no text produces it and llama.cpp prints nothing for it
                default -> vocab.put(text, id);
            }
        }
        return switch (model) {
            case SPM -> sentencePiece(all, vocab, added, modelVocabSize);
            case BPE -> byteLevel(all, vocab, added, modelVocabSize);
            default -> throw error("tokenizer.ggml.model", "tokenizer model '" + model + "' is not supported "
                    + "(supported: " + SPM + ", " + BPE + ")");
        };
    }

    /** SentencePiece BPE: merges from the scores, byte fallback, {@code ▁} for spaces. */
    private Tokenizer sentencePiece(Map<String, Integer> all, Map<String, Integer> vocab,
            List<AddedTokens.Token> added, int modelVocabSize) throws ModelFormatException {
        if (scores == null) {
            throw error("tokenizer.ggml.scores", "missing: a " + SPM + " vocabulary merges by score");
        }
        String[] mergeable = new String[tokens.size()];
        for (int id = 0; id < mergeable.length; id++) {
            mergeable[id] = type(id) == TokenType.NORMAL ? tokens.get(id) : null;
        }
        int unk = id(control.unk(), 0, "tokenizer.ggml.unknown_token_id");
        BpeVocabulary bpe = new BpeVocabulary(vocab, BpeMerges.ofScores(mergeable, scores, vocab), unk, true, false,
                byteTokens(all));
        String space = TokenizerFiles.SPACE_SYMBOL;
        UnaryOperator<String> escapeSpaces = TextPipeline.Normalizers.replace(Pattern.compile(" ", Pattern.LITERAL)::matcher,
                space);
        boolean prefix = addSpacePrefix.orElse(true);
        UnaryOperator<String> normalizer = prefix
                ? TextPipeline.Normalizers.sequence(List.of(TextPipeline.Normalizers.prepend(" "), escapeSpaces))
                : escapeSpaces;
        TextPipeline pipeline = new TextPipeline(new AddedTokens(added), normalizer, TextPipeline.PreTokenizer.NONE);
        return new SentencePieceBpeTokenizer(bpe, pipeline, specials(1, 2, true), space, prefix, modelVocabSize);
    }

    /** Byte-level BPE: ranked merges after the named pre-tokenizer. */
    private Tokenizer byteLevel(Map<String, Integer> all, Map<String, Integer> vocab, List<AddedTokens.Token> added,
            int modelVocabSize) throws ModelFormatException {
        String name = pre == null ? DEFAULT_PRE : pre;
        LlamaCppPreTokenizer preTokenizer = LlamaCppPreTokenizer.named(name);
        if (preTokenizer == null) {
            throw error("tokenizer.ggml.pre", "pre-tokenizer '" + name + "' is not supported (supported: "
                    + LlamaCppPreTokenizer.supportedNames() + ")");
        }
        List<String[]> pairs = new ArrayList<>(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            String merge = merges.get(rank);
            int space = merge.indexOf(' ', 1);
            if (space < 0 || space == merge.length() - 1) {
                throw error("tokenizer.ggml.merges[" + rank + "]", "a merge must be two pieces separated by a space, "
                        + "found '" + merge + "'");
            }
            pairs.add(new String[] {merge.substring(0, space), merge.substring(space + 1)});
        }
        BpeMerges table;
        try {
            table = BpeMerges.of(pairs, all);
        } catch (BpeMerges.MissingPieceException e) {
            throw error("tokenizer.ggml.merges[" + e.rank + "]", e.getMessage());
        }
        BpeVocabulary bpe = new BpeVocabulary(vocab, table, -1, false, preTokenizer.ignoresMerges, null);
        TextPipeline pipeline = new TextPipeline(new AddedTokens(added), UnaryOperator.identity(),
                preTokenizer.preTokenizer.then(TextPipeline.BYTE_CHARACTERS));
        return new ByteLevelBpeTokenizer(bpe, pipeline, specials(-1, -1, preTokenizer.addsBos), modelVocabSize);
    }

    /**
     * {@return the ids of {@code <0x00>..<0xFF>}, or null if the vocabulary has none (no byte fallback)}
     *
     * @throws ModelFormatException if it has some of them only
     */
    private int[] byteTokens(Map<String, Integer> all) throws ModelFormatException {
        int[] ids = new int[256];
        int found = 0;
        for (int b = 0; b < 256; b++) {
            Integer id = all.get(String.format("<0x%02X>", b));
            ids[b] = id == null ? -1 : id;
            found += id == null ? 0 : 1;
        }
        if (found == 0) {
            return null;
        }
        for (int b = 0; b < 256; b++) {
            if (ids[b] < 0) {
                throw error("tokenizer.ggml.tokens", "byte fallback needs all of <0x00>..<0xFF>, but "
                        + String.format("<0x%02X>", b) + " is missing");
            }
        }
        return ids;
    }

    /**
     * {@return BOS, EOS and what ends a generation}, with llama.cpp's defaults: BOS {@code defaultBos} and EOS
     * {@code defaultEos} when the file names none (-1: none), BOS added when {@code addsBos} unless the file says
     * otherwise, EOS added only if the file says so
     */
    private SpecialTokens specials(int defaultBos, int defaultEos, boolean addsBos) throws ModelFormatException {
        int bos = id(control.bos(), defaultBos, "tokenizer.ggml.bos_token_id");
        int eos = id(control.eos(), defaultEos, "tokenizer.ggml.eos_token_id");
        boolean addBos = control.addBos().orElse(addsBos);
        boolean addEos = control.addEos().orElse(false);
        if (addBos && bos < 0) {
            throw error("tokenizer.ggml.add_bos_token", "is true but the file names no tokenizer.ggml.bos_token_id");
        }
        if (addEos && eos < 0) {
            throw error("tokenizer.ggml.add_eos_token", "is true but the file names no tokenizer.ggml.eos_token_id");
        }
        Set<Integer> endings = new LinkedHashSet<>();
        for (int id : new int[] {eos, id(control.eot(), -1, "tokenizer.ggml.eot_token_id"),
                id(control.eom(), -1, "tokenizer.ggml.eom_token_id")}) {
            if (id >= 0) {
                endings.add(id);
            }
        }
        return new SpecialTokens(addBos ? new int[] {bos} : new int[0], addEos ? new int[] {eos} : new int[0], bos,
                endings.stream().mapToInt(Integer::intValue).toArray());
    }

    /** {@return {@code id}, or {@code otherwise} (if the vocabulary has it) when the file names none} */
    private int id(int id, int otherwise, String key) throws ModelFormatException {
        if (id < 0) {
            return otherwise < tokens.size() ? otherwise : -1;
        }
        if (id >= tokens.size()) {
            throw error(key, "token " + id + " is outside the vocabulary of " + tokens.size());
        }
        return id;
    }

    /** {@return the file, the model and the sizes; not the hundred thousand tokens} */
    @Override
    public String toString() {
        return "LlamaCppVocabulary[" + source + ": " + model + (pre == null ? "" : ", pre " + pre) + ", "
                + tokens.size() + " tokens, " + merges.size() + " merges]";
    }

    private TokenType type(int id) {
        return types == null ? TokenType.NORMAL : types[id];
    }

    private ModelFormatException error(String key, String problem) {
        return new ModelFormatException(source, -1, key, problem);
    }
}
