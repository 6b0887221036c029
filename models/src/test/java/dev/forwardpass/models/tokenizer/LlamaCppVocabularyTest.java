package dev.forwardpass.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.tokenizer.LlamaCppVocabulary.ControlTokens;
import dev.forwardpass.models.tokenizer.LlamaCppVocabulary.TokenType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The rules llama.cpp tokenizes a vocabulary by, on small vocabularies whose every merge is known: SentencePiece's
 * merge order by score (leftmost among equal scores), byte fallback, the space prefix, byte-level BPE's ranked merges
 * and Llama 3's whole-word lookup, added tokens in both encode modes, and the checks on malformed vocabularies.
 */
class LlamaCppVocabularyTest {
    private static final ControlTokens LLAMA_DEFAULTS = new ControlTokens(-1, -1, -1, -1, -1, Optional.empty(),
            Optional.empty());

    /** A SentencePiece vocabulary: unk, BOS, EOS, 256 byte tokens, then pieces with scores, one user-defined. */
    private static final class Spm {
        final List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        final List<Float> scores = new ArrayList<>(List.of(0f, 0f, 0f));
        final List<TokenType> types = new ArrayList<>(List.of(TokenType.UNKNOWN, TokenType.CONTROL,
                TokenType.CONTROL));

        Spm() {
            for (int b = 0; b < 256; b++) {
                add(String.format("<0x%02X>", b), 0f, TokenType.BYTE);
            }
        }

        Spm add(String piece, float score, TokenType type) {
            tokens.add(piece);
            scores.add(score);
            types.add(type);
            return this;
        }

        int id(String piece) {
            return tokens.indexOf(piece);
        }

        LlamaCppVocabulary vocabulary(ControlTokens control, Optional<Boolean> addSpacePrefix) {
            float[] s = new float[scores.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = scores.get(i);
            }
            return new LlamaCppVocabulary("test.gguf", "llama", null, tokens, s, types.toArray(new TokenType[0]),
                    List.of(), control, addSpacePrefix, Optional.empty());
        }

        Tokenizer tokenizer() throws ModelFormatException {
            return vocabulary(LLAMA_DEFAULTS, Optional.empty()).tokenizer(0);
        }
    }

    private static Spm abc() {
        // "ab" and "bc" score the same: the leftmost pair of the text merges first
        return new Spm().add("\u2581", -10, TokenType.NORMAL).add("a", -10, TokenType.NORMAL)
                .add("b", -10, TokenType.NORMAL).add("c", -10, TokenType.NORMAL).add("ab", -1, TokenType.NORMAL)
                .add("bc", -1, TokenType.NORMAL).add("\u2581a", -2, TokenType.NORMAL).add("ca", -0.5f, TokenType.NORMAL)
                .add("<user>", 0, TokenType.USER_DEFINED);
    }

    @Test
    void sentencePieceMergesTheBestScoreFirstAndTheLeftmostAmongEqualScores() throws ModelFormatException {
        Spm v = abc();
        Tokenizer tokenizer = v.tokenizer();
        assertInstanceOf(SentencePieceBpeTokenizer.class, tokenizer);
        // "▁abc": ab and bc tie at -1, ab is leftmost; ▁a (-2) loses to ab
        assertArrayEquals(new int[] {v.id("\u2581"), v.id("ab"), v.id("c")}, tokenizer.encode("abc",
                EncodeOptions.PLAIN_TEXT));
        // "▁bca": ca (-0.5) beats bc (-1) although bc is to its left
        assertArrayEquals(new int[] {v.id("\u2581"), v.id("b"), v.id("ca")}, tokenizer.encode("bca",
                EncodeOptions.PLAIN_TEXT));
    }

    @Test
    void aCharacterTheVocabularyLacksFallsBackToItsBytes() throws ModelFormatException {
        Spm v = abc();
        int[] ids = v.tokenizer().encode("a\u00E9", EncodeOptions.PLAIN_TEXT);
        assertArrayEquals(new int[] {v.id("\u2581a"), v.id("<0xC3>"), v.id("<0xA9>")}, ids);
        assertEquals("a\u00E9", DecodedText.of(v.tokenizer(), ids));
    }

    @Test
    void addedTokensAndTheSpacePrefixFollowLlamaCpp() throws ModelFormatException {
        Spm v = abc();
        Tokenizer tokenizer = v.tokenizer();
        // a user-defined token is matched in both modes; the text after it gets a space prefix again
        int[] expected = {v.id("\u2581a"), v.id("<user>"), v.id("\u2581"), v.id("b")};
        assertArrayEquals(expected, tokenizer.encode("a<user>b", EncodeOptions.PLAIN_TEXT));
        assertArrayEquals(new int[] {1, v.id("\u2581a"), v.id("<user>"), v.id("\u2581"), v.id("b")},
                tokenizer.encode("a<user>b"));
        // a control token is one only when special tokens are parsed; otherwise its text is bytes
        assertArrayEquals(new int[] {1, 1}, tokenizer.encode("<s>"));
        assertArrayEquals(new int[] {v.id("\u2581"), v.id("<0x3C>"), v.id("<0x73>"), v.id("<0x3E>")},
                tokenizer.encode("<s>", EncodeOptions.PLAIN_TEXT));
        // without the prefix, the text is taken as it is
        Tokenizer bare = v.vocabulary(LLAMA_DEFAULTS, Optional.of(false)).tokenizer(0);
        assertArrayEquals(new int[] {v.id("ab")}, bare.encode("ab", EncodeOptions.PLAIN_TEXT));
        // the prefix is not printed back
        int[] abc = tokenizer.encode("abc", EncodeOptions.PLAIN_TEXT);
        assertEquals("abc", DecodedText.of(tokenizer, abc));
    }

    @Test
    void sentencePieceDefaultsToBos1Eos2AndTheFileOverridesThem() throws ModelFormatException {
        Spm v = abc();
        Tokenizer defaults = v.tokenizer();
        assertEquals(1, defaults.bosToken().orElseThrow());
        assertTrue(defaults.stopsGeneration(2));
        Tokenizer eosAdded = v.vocabulary(new ControlTokens(2, 1, 3, -1, 0, Optional.of(false), Optional.of(true)),
                Optional.empty()).tokenizer(0);
        assertArrayEquals(new int[] {v.id("\u2581a"), 1}, eosAdded.encode("a"));
        assertArrayEquals(new int[] {v.id("\u2581a")}, eosAdded.encode("a", EncodeOptions.PLAIN_TEXT));
        assertTrue(eosAdded.stopsGeneration(1) && eosAdded.stopsGeneration(3), "EOS and EOT end a generation");
    }

    /** A byte-level BPE vocabulary over "hello": its byte characters, two merged pieces, and a control token. */
    private static LlamaCppVocabulary hello(String pre, List<String> merges, ControlTokens control) {
        List<String> tokens = List.of("h", "e", "l", "o", "ll", "llo", "hello", "<|end|>");
        TokenType[] types = new TokenType[tokens.size()];
        Arrays.fill(types, TokenType.NORMAL);
        types[7] = TokenType.CONTROL;
        return new LlamaCppVocabulary("test.gguf", "gpt2", pre, tokens, null, types, merges, control, Optional.empty(),
                Optional.empty());
    }

    @Test
    void byteLevelMergesByRankAndLlama3TakesWholeWordsAsTheyAre() throws ModelFormatException {
        List<String> merges = List.of("l l", "ll o");
        Tokenizer gpt2 = hello("gpt-2", merges, LLAMA_DEFAULTS).tokenizer(0);
        assertInstanceOf(ByteLevelBpeTokenizer.class, gpt2);
        assertArrayEquals(new int[] {0, 1, 5}, gpt2.encode("hello", EncodeOptions.PLAIN_TEXT));
        assertArrayEquals(new int[] {0, 1, 5, 7}, gpt2.encode("hello<|end|>"));
        // Llama 3's rule: "hello" is in the vocabulary, so it is one token without any merge; and BOS is added
        ControlTokens bos = new ControlTokens(7, 7, -1, -1, -1, Optional.empty(), Optional.empty());
        Tokenizer llama3 = hello("llama-bpe", merges, bos).tokenizer(0);
        assertArrayEquals(new int[] {6}, llama3.encode("hello", EncodeOptions.PLAIN_TEXT));
        assertArrayEquals(new int[] {7, 6}, llama3.encode("hello"));
        assertArrayEquals(new int[] {0, 1, 5}, hello("gpt-2", merges, bos).tokenizer(0).encode("hello"));
    }

    @Test
    void anUnknownPreTokenizerNamesTheKeyTheValueAndTheSupportedOnes() {
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> hello("tekken", List.of(), LLAMA_DEFAULTS).tokenizer(0));
        assertEquals("tokenizer.ggml.pre", e.field());
        assertTrue(e.getMessage().startsWith("test.gguf: field 'tokenizer.ggml.pre'"), e.getMessage());
        assertTrue(e.getMessage().contains("'tekken' is not supported (supported: default, gpt-2, mpt"),
                e.getMessage());
        for (String name : new String[] {"llama-bpe", "qwen2", "deepseek-llm", "deepseek-coder", "falcon",
                "starcoder", "refact"}) {
            assertTrue(e.getMessage().contains(name), name);
        }
    }

    @Test
    void malformedVocabulariesNameTheKey() {
        assertFormatError("tokenizer.ggml.merges[1]", "two pieces separated by a space",
                () -> hello("gpt-2", List.of("l l", "llo"), LLAMA_DEFAULTS).tokenizer(0));
        assertFormatError("tokenizer.ggml.merges[1]", "'lo'",
                () -> hello("gpt-2", List.of("l l", "l o"), LLAMA_DEFAULTS).tokenizer(0));
        ControlTokens addsBosWithoutOne = new ControlTokens(-1, -1, -1, -1, -1, Optional.of(true), Optional.empty());
        assertFormatError("tokenizer.ggml.add_bos_token", "no tokenizer.ggml.bos_token_id",
                () -> hello("gpt-2", List.of(), addsBosWithoutOne).tokenizer(0));
        ControlTokens outside = new ControlTokens(8, -1, -1, -1, -1, Optional.empty(), Optional.empty());
        assertFormatError("tokenizer.ggml.bos_token_id", "token 8 is outside the vocabulary of 8",
                () -> hello("gpt-2", List.of(), outside).tokenizer(0));
        assertFormatError("tokenizer.ggml.tokens", "8 tokens for a model of 7",
                () -> hello("gpt-2", List.of(), LLAMA_DEFAULTS).tokenizer(7));
        LlamaCppVocabulary twice = new LlamaCppVocabulary("test.gguf", "gpt2", null, List.of("a", "b", "a"), null,
                null, List.of(), LLAMA_DEFAULTS, Optional.empty(), Optional.empty());
        assertFormatError("tokenizer.ggml.tokens", "'a' is token 0 and 2", () -> twice.tokenizer(0));
        LlamaCppVocabulary wordPiece = new LlamaCppVocabulary("test.gguf", "bert", null, List.of("a"), null, null,
                List.of(), LLAMA_DEFAULTS, Optional.empty(), Optional.empty());
        assertFormatError("tokenizer.ggml.model", "'bert' is not supported (supported: llama, gpt2)",
                () -> wordPiece.tokenizer(0));

        Spm spm = abc();
        LlamaCppVocabulary full = spm.vocabulary(LLAMA_DEFAULTS, Optional.empty());
        assertFormatError("tokenizer.ggml.scores", "missing", () -> new LlamaCppVocabulary("test.gguf", "llama",
                null, full.tokens(), null, full.types(), List.of(), LLAMA_DEFAULTS, Optional.empty(),
                Optional.empty()).tokenizer(0));
        assertFormatError("tokenizer.ggml.scores", "3 scores for " + full.tokens().size() + " tokens",
                () -> new LlamaCppVocabulary("test.gguf", "llama", null, full.tokens(), new float[3], full.types(),
                        List.of(), LLAMA_DEFAULTS, Optional.empty(), Optional.empty()).tokenizer(0));
        List<String> lacksAByte = new ArrayList<>(full.tokens());
        lacksAByte.set(spm.id("<0x41>"), "A");
        assertFormatError("tokenizer.ggml.tokens", "<0x41> is missing", () -> new LlamaCppVocabulary("test.gguf",
                "llama", null, lacksAByte, full.scores(), full.types(), List.of(), LLAMA_DEFAULTS, Optional.empty(),
                Optional.empty()).tokenizer(0));
    }

    private static void assertFormatError(String field, String problem, Executable load) {
        ModelFormatException e = assertThrows(ModelFormatException.class, load);
        assertEquals(field, e.field());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertTrue(e.getMessage().lines().count() == 1, e.getMessage());
    }
}
