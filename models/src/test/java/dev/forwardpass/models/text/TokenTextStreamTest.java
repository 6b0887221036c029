package dev.forwardpass.models.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.gguf.GgufTokenizer;
import dev.forwardpass.models.tokenizer.EncodeOptions;
import dev.forwardpass.models.tokenizer.Tokenizer;
import dev.forwardpass.models.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenTextStreamTest {
    /** Two-, three- and four-byte characters (surrogate pairs in Java) beside ASCII; NFC, as Qwen's normalizer makes it. */
    private static final String TEXT = "Café ☕, naïve 日本語 🙂 — ok.\n¿Qué tal? Ünïcödé 🐉🐉!";

    @Test
    void aSequenceIsCutBeforeItsUnfinishedLastCharacter() {
        byte[] coffee = "☕".getBytes(StandardCharsets.UTF_8); // E2 98 95
        assertEquals(0, TokenTextStream.wholeCharactersLength(new byte[] {coffee[0]}));
        assertEquals(0, TokenTextStream.wholeCharactersLength(new byte[] {coffee[0], coffee[1]}));
        assertEquals(3, TokenTextStream.wholeCharactersLength(coffee));
        assertEquals(1, TokenTextStream.wholeCharactersLength(new byte[] {'a', coffee[0], coffee[1]}));
        byte[] dragon = "🐉".getBytes(StandardCharsets.UTF_8); // F0 9F 90 89
        assertEquals(0, TokenTextStream.wholeCharactersLength(new byte[] {dragon[0], dragon[1], dragon[2]}));
        assertEquals(4, TokenTextStream.wholeCharactersLength(dragon));
        // continuation bytes with no lead can never become a character: nothing waits for them
        assertEquals(2, TokenTextStream.wholeCharactersLength(new byte[] {(byte) 0x98, (byte) 0x95}));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizers/llama3/tokenizer.json", "tokenizers/qwen3/tokenizer.json",
            "tokenizers/gpt2"})
    void byteLevelVocabulariesStreamWholeCharacters(String file) throws IOException {
        assertStreamsExactly(Tokenizers.open(TestFiles.shared(file), 0), TEXT);
    }

    @Test
    void sentencePieceByteFallbackTokensStreamWholeCharacters() throws IOException {
        try (MappedFile file = MappedFile.open(TestFiles.shared("tokenizers/llama-cpp-vocab/ggml-vocab-llama-spm.gguf"))) {
            assertStreamsExactly(GgufTokenizer.read(file, 0), TEXT);
        }
    }

    @Test
    void llama2cByteTokensStreamWholeCharacters() throws IOException {
        // tok512 has 512 tokens: every non-ASCII character is spelled in <0xXX> byte tokens, which run.c's
        // printing drops one by one; the text stream keeps them
        Tokenizer tok512 = ModelLoader.loadTokenizer(null, null, 512);
        assertStreamsExactly(tok512, TEXT);
    }

    /** Streams the encoding of {@code text} token by token, as a generation does, and checks every piece. */
    private static void assertStreamsExactly(Tokenizer tokenizer, String text) {
        int[] ids = tokenizer.encode(text, EncodeOptions.PLAIN_TEXT);
        TokenTextStream stream = new TokenTextStream(tokenizer);
        List<String> pieces = new ArrayList<>();
        // as after a prompt of BOS alone: SentencePiece drops the space it put before the text
        int previous = tokenizer.bosToken().orElse(-1);
        for (int id : ids) {
            pieces.add(stream.next(previous, id));
            previous = id;
        }
        pieces.add(stream.finish());
        StringBuilder joined = new StringBuilder();
        for (String piece : pieces) {
            assertFalse(piece.contains("\uFFFD"), () -> "a replacement character in piece '" + piece + "'");
            assertFalse(!piece.isEmpty() && Character.isLowSurrogate(piece.charAt(0)), "a piece splits a surrogate pair");
            assertFalse(!piece.isEmpty() && Character.isHighSurrogate(piece.charAt(piece.length() - 1)),
                    "a piece splits a surrogate pair");
            joined.append(piece);
        }
        assertEquals(text, joined.toString());
    }
}
