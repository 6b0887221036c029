package dev.forwardpass.models.tokenizer;

import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.tokenizer.LlamaCppVocabulary.TokenType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * A Hugging Face tokenizer as the vocabulary a GGUF file holds: what llama.cpp's {@code convert_hf_to_gguf.py} writes,
 * except where that would change the ids, so that the tokenizer llama.cpp reads from it
 * ({@link LlamaCppVocabulary#tokenizer}) encodes and decodes as the Hugging Face one does:
 * <ul>
 *   <li>byte-level BPE ({@link ByteLevelBpeTokenizer}) is {@code gpt2}: the pieces by id as the files write them
 *       (bytes as GPT-2's characters), the merges in rank order, and as {@code tokenizer.ggml.pre} the llama.cpp
 *       pre-tokenizer with which the files' BPE encodes text as the files do. Like convert_hf_to_gguf.py, which
 *       hashes the ids of one probe text, it is told by what it does: it must give the files' ids for each of
 *       {@link #PROBES}, and preferably cut them as the files' normalizer and pre-tokenizer do; for none, the files
 *       cannot be written.
 *   <li>SentencePiece-style BPE ({@link SentencePieceBpeTokenizer}) is {@code llama}: the pieces, {@code <0xXX>}
 *       tokens as bytes, the unknown token, whether a space goes before the text, and scores that rank the merges as
 *       the file does. convert_hf_to_gguf.py, for a tokenizer.json without a tokenizer.model, writes its placeholder
 *       -1000 as every score, with which llama.cpp merges the leftmost pair first rather than the best-ranked one;
 *       here a piece scores minus the rank of the first merge that makes it (the order SentencePiece's training made
 *       the pieces in, which is what its own scores say), and a piece no merge makes scores below all of them.
 *       llama.cpp puts a space before every text that follows an added token and before a text that starts with one,
 *       as the Prepend normalizer of Llama 2's files does; a Metaspace pre-tokenizer that prepends before the first
 *       text only, and not before a space, gives other ids there.
 * </ul>
 * Added tokens are control tokens when special and user-defined otherwise, so that llama.cpp matches them in any
 * text as Hugging Face does (convert_hf_to_gguf.py also makes control tokens of non-special ones that look like
 * {@code <|...|>}, which llama.cpp then no longer finds in plain text). Ids the tokenizer lacks, up to the model's
 * vocabulary, are unused {@code [PADid]} tokens, as convert_hf_to_gguf.py pads them: llama.cpp wants a token for each
 * row of the embedding. BOS, EOS and whether encoding adds them are the tokenizer's; when the configs name several
 * ids that end a generation, the second and third go where GGUF has room for more, {@code eot} and {@code eom}. The
 * chat template is tokenizer_config.json's {@code chat_template} (the "default" one of a list), else the file
 * {@code chat_template.jinja}, else chat_template.json's.
 */
public final class LlamaCppConverter {
    /**
     * Texts whose pieces tell llama.cpp's pre-tokenizers apart: contractions in both cases, runs of digits (0-9 and
     * others), of white space and of punctuation, letters after a symbol, CJK, Cyrillic, accents and emoji (one joined
     * by U+200D). None starts with white space, where SentencePiece tokenizers differ (see above).
     */
    static final List<String> PROBES = List.of(
            "Hello world, it's 'RE you? We'Ve a'lL I'LL see—don't!",
            "1 12 123 1234 12345 1234567 3.14 3..3 x2 $5 +1 -7 ½ ١٢٣٤",
            "a  b   c\n\nd \n \t\te\r\n  \n    f   ",
            "foo...bar!!! (x) [y] {z} <a> =b ^c ~d |e `f` ?! --== ''' \"\"",
            "_init __main__ @user #tag ’curly’ «quote»",
            "我想在apple工作1314151天～ 한국어 テスト нещо",
            "café naïve Ωμέγα ÀÉÎ straße",
            "🦙🦙 😶\u200d🌫\ufe0f ✅ (normal) 🚀");

    /** The {@code tokenizer.ggml.pre} convert_hf_to_gguf.py writes for a SentencePiece vocabulary. */
    private static final String SENTENCE_PIECE_PRE = "default";

    private LlamaCppConverter() {}

    /**
     * {@return the vocabulary llama.cpp would read for the Hugging Face tokenizer at {@code path}} (a folder, or a
     * tokenizer.json, as {@link Tokenizers#open} takes them), padded to {@code modelVocabSize} tokens (0: the
     * tokenizer's own size)
     *
     * @throws IllegalArgumentException if {@code path} is not a Hugging Face tokenizer
     * @throws ModelFormatException if its files are malformed, or say what a GGUF file cannot (the field named)
     */
    public static LlamaCppVocabulary vocabulary(Path path, int modelVocabSize) throws IOException {
        Tokenizer tokenizer = Tokenizers.open(path, modelVocabSize);
        String source = path.toString();
        Path folder = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        Optional<String> chatTemplate = TokenizerFiles.chatTemplate(folder);
        return switch (tokenizer) {
            case ByteLevelBpeTokenizer t -> byteLevel(source, t, chatTemplate);
            case SentencePieceBpeTokenizer t -> sentencePiece(source, t, chatTemplate);
            default -> throw new IllegalArgumentException(path + " is not a Hugging Face tokenizer (a folder with "
                    + "tokenizer.json, or vocab.json and merges.txt)");
        };
    }

    private static LlamaCppVocabulary byteLevel(String source, ByteLevelBpeTokenizer t, Optional<String> chatTemplate)
            throws ModelFormatException {
        Table table = Table.of(source, t.model(), t.pipeline().added(), t.vocabSize());
        LlamaCppPreTokenizer pre = preTokenizer(source, t);
        List<int[]> ranked = t.model().merges().inRankOrder();
        List<String> merges = new ArrayList<>(ranked.size());
        for (int[] merge : ranked) {
            String left = table.texts[merge[0]];
            String right = table.texts[merge[1]];
            if (left.contains(" ") || right.contains(" ")) {
                throw new ModelFormatException(source, -1, "model.merges", "'" + left + "' + '" + right + "' holds a "
                        + "space, which llama.cpp's \"left right\" merges cannot");
            }
            merges.add(left + " " + right);
        }
        return new LlamaCppVocabulary(source, LlamaCppVocabulary.BPE, pre.names.getFirst(), List.of(table.texts), null,
                table.types, merges, control(source, t.model(), t.specials()), Optional.empty(), chatTemplate);
    }

    private static LlamaCppVocabulary sentencePiece(String source, SentencePieceBpeTokenizer t,
            Optional<String> chatTemplate) throws ModelFormatException {
        BpeVocabulary model = t.model();
        Table table = Table.of(source, model, t.pipeline().added(), t.vocabSize());
        if (model.byteTokens() != null) {
            for (int id : model.byteTokens()) {
                if (table.types[id] == TokenType.NORMAL) {
                    table.types[id] = TokenType.BYTE;
                }
            }
        }
        if (model.unk() >= 0) {
            table.types[model.unk()] = TokenType.UNKNOWN;
        }
        boolean spacePrefix = spacePrefix(source, t.pipeline());
        return new LlamaCppVocabulary(source, LlamaCppVocabulary.SPM, SENTENCE_PIECE_PRE, List.of(table.texts),
                scores(model.merges().inRankOrder(), table.types), table.types, List.of(),
                control(source, model, t.specials()), Optional.of(spacePrefix), chatTemplate);
    }

    /** Each id's text and type: the model's pieces (normal), the added tokens over them, {@code [PADid]} the rest. */
    private record Table(String[] texts, TokenType[] types) {
        static Table of(String source, BpeVocabulary model, AddedTokens added, int size) throws ModelFormatException {
            String[] texts = new String[size];
            TokenType[] types = new TokenType[size];
            model.ids().forEach((piece, id) -> {
                texts[id] = piece;
                types[id] = TokenType.NORMAL;
            });
            for (AddedTokens.Token token : added.tokens()) {
                texts[token.id()] = token.content();
                types[token.id()] = token.special() ? TokenType.CONTROL : TokenType.USER_DEFINED;
            }
            Map<String, Integer> ids = new HashMap<>(size * 2);
            for (int id = 0; id < size; id++) {
                if (texts[id] == null) {
                    texts[id] = "[PAD" + id + "]";
                    types[id] = TokenType.UNUSED;
                }
                Integer other = ids.putIfAbsent(texts[id], id);
                if (other != null) {
                    throw new ModelFormatException(source, -1, "added_tokens", "'" + texts[id] + "' is token " + other
                            + " and token " + id + ", where llama.cpp finds a token by its text");
                }
            }
            return new Table(texts, types);
        }
    }

    /**
     * {@return the llama.cpp pre-tokenizer of {@code t}}: of those with which {@code t}'s BPE gives {@code t}'s ids for
     * every probe (the test convert_hf_to_gguf.py makes, on a hash of one text's ids), the first that also cuts each
     * probe into {@code t}'s pieces, or else the first (Falcon's own pre-tokenizers cut digits out of a character's
     * bytes, which llama.cpp's regexes do not, and BPE joins them again)
     */
    private static LlamaCppPreTokenizer preTokenizer(String source, ByteLevelBpeTokenizer t)
            throws ModelFormatException {
        BpeVocabulary model = t.model();
        LlamaCppPreTokenizer sameIds = null;
        for (LlamaCppPreTokenizer candidate : LlamaCppPreTokenizer.values()) {
            TextPipeline.PreTokenizer split = candidate.preTokenizer.then(TextPipeline.BYTE_CHARACTERS);
            Tokenizer llamaCpps = new ByteLevelBpeTokenizer(new BpeVocabulary(model.ids(), model.merges(), model.unk(),
                    model.fuseUnk(), candidate.ignoresMerges, model.byteTokens()),
                    new TextPipeline(t.pipeline().added(), UnaryOperator.identity(), split), t.specials(), 0);
            if (PROBES.stream().allMatch(probe -> Arrays.equals(t.encode(probe, EncodeOptions.PLAIN_TEXT),
                    llamaCpps.encode(probe, EncodeOptions.PLAIN_TEXT)))) {
                if (PROBES.stream().allMatch(probe -> pieces(t.pipeline(), probe).equals(split.split(probe, true)))) {
                    return candidate;
                }
                sameIds = sameIds == null ? candidate : sameIds;
            }
        }
        if (sameIds == null) {
            throw new ModelFormatException(source, -1, "pre_tokenizer", "gives other ids than each of llama.cpp's "
                    + "pre-tokenizers does (" + Arrays.stream(LlamaCppPreTokenizer.values())
                            .map(p -> p.names.getFirst()).collect(Collectors.joining(", ")) + ")");
        }
        return sameIds;
    }

    /**
     * {@return whether {@code pipeline} puts a {@code ▁} before the text} It must otherwise write each probe as
     * llama.cpp's SentencePiece tokenizer does: spaces as {@code ▁}, in one piece.
     */
    private static boolean spacePrefix(String source, TextPipeline pipeline) throws ModelFormatException {
        String space = TokenizerFiles.SPACE_SYMBOL;
        boolean prefix = pieces(pipeline, "a").equals(List.of(space + "a"));
        for (String probe : PROBES) {
            if (!pieces(pipeline, probe).equals(List.of((prefix ? space : "") + probe.replace(" ", space)))) {
                throw new ModelFormatException(source, -1, "pre_tokenizer", "writes text otherwise than llama.cpp's "
                        + "SentencePiece tokenizer does (" + space + " for each space, one before the text, no cuts)");
            }
        }
        return prefix;
    }

    /** {@return the pieces {@code pipeline} gives BPE for {@code text}, at the start of the input} */
    private static List<String> pieces(TextPipeline pipeline, String text) {
        return pipeline.preTokenizer().split(pipeline.normalizer().apply(text), true);
    }

    /**
     * {@return each token's score}: minus the rank of the first of {@code ranked} that makes it, below all of those
     * for a normal piece none makes, 0 for the others (as SentencePiece scores control and byte tokens)
     */
    private static float[] scores(List<int[]> ranked, TokenType[] types) {
        float[] scores = new float[types.length];
        for (int id = 0; id < types.length; id++) {
            scores[id] = types[id] == TokenType.NORMAL ? -ranked.size() : 0;
        }
        for (int rank = ranked.size() - 1; rank >= 0; rank--) {
            scores[ranked.get(rank)[2]] = -rank;
        }
        return scores;
    }

    /** {@return the control tokens of {@code specials}, and whether encoding adds BOS and EOS} */
    private static LlamaCppVocabulary.ControlTokens control(String source, BpeVocabulary model,
            SpecialTokens specials) throws ModelFormatException {
        int[] eos = specials.eos();
        int first = eos.length > 0 ? eos[0] : -1;
        return new LlamaCppVocabulary.ControlTokens(specials.bos(), first, eos.length > 1 ? eos[1] : -1,
                eos.length > 2 ? eos[2] : -1, model.unk(), Optional.of(adds(source, specials.prefix(), specials.bos(),
                        "before", "BOS")), Optional.of(adds(source, specials.suffix(), first, "after", "EOS")));
    }

    /** {@return whether encoding adds {@code token}, given the {@code ids} it adds: none, or that one} */
    private static boolean adds(String source, int[] ids, int token, String where, String name)
            throws ModelFormatException {
        if (ids.length == 0) {
            return false;
        }
        if (ids.length == 1 && ids[0] == token) {
            return true;
        }
        throw new ModelFormatException(source, -1, "post_processor", "puts " + Arrays.toString(ids) + " " + where
                + " the text, where a GGUF file can only say whether " + name + " (" + token + ") is added");
    }
}
