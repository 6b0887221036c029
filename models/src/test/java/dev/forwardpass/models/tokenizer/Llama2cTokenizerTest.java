package dev.forwardpass.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.format.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cTokenizerTest {
    static Llama2cTokenizer tok512;
    private static Llama2cTokenizer cachedLlama2;

    @BeforeAll
    static void load() throws IOException {
        try (MappedFile file = MappedFile.ofBytes(TestFiles.tok512(), "tok512.bin")) {
            tok512 = Llama2cTokenizer.read(file.reader(), 512);
        }
    }

    /** {@return the Llama 2 vocabulary, read on first use} (its tests are skipped without ../shared) */
    static Llama2cTokenizer llama2() throws IOException {
        if (cachedLlama2 == null) {
            cachedLlama2 = Llama2cTokenizer.open(TestFiles.shared("models/llama2-tokenizer/tokenizer.bin"), 32000);
        }
        return cachedLlama2;
    }

    @Test
    void llama2KnownEncodings() throws IOException {
        Llama2cTokenizer llama2 = llama2();
        // SentencePiece's Llama 2 tokenizer: "Hello world" -> <s> ▁Hello ▁world
        assertArrayEquals(new int[] {1, 15043, 3186}, llama2.encode("Hello world"));
        // an emoji not in the vocabulary falls back to its UTF-8 bytes (id = byte + 3), after the lone "▁"
        assertArrayEquals(new int[] {1, 29871, 0xF0 + 3, 0x9F + 3, 0x98 + 3, 0x80 + 3}, llama2.encode("😀"));
    }

    @Test
    void emptyTextIsJustBos() {
        assertArrayEquals(new int[] {1}, tok512.encode(""));
        assertArrayEquals(new int[] {}, tok512.encode("", false, false));
        assertArrayEquals(new int[] {1, 2}, tok512.encode("", true, true));
    }

    static final String[] ROUND_TRIP_TEXTS = {"Once upon a time, there was a little girl named Lily.",
            "Lily's mom said, \"Let's go!\"\nThe end.", "  two  spaces\t\ttab"};

    @Test
    void decodeOfEncodeGivesTheTextBack() {
        for (String text : ROUND_TRIP_TEXTS) {
            assertEquals(text, decodeAll(tok512, tok512.encode(text)), "round trip of " + text);
        }
    }

    @Test
    void llama2DecodeOfEncodeGivesTheTextBack() throws IOException {
        Llama2cTokenizer llama2 = llama2();
        for (String text : ROUND_TRIP_TEXTS) {
            assertEquals(text, decodeAll(llama2, llama2.encode(text)), "round trip of " + text);
        }
        // characters outside the 512-token vocabulary are not, but the Llama 2 vocabulary has these
        String accented = "Zoë ate 42 crêpes — 日本語";
        assertEquals(accented, decodeAll(llama2, llama2.encode(accented)));
    }

    @Test
    void mergesFollowTheHighestScore() {
        // every adjacent pair of the result must not be mergeable into a piece that exists: the merge loop ran to the end
        int[] ids = tok512.encode("Once upon a time, there was a little girl named Lily.");
        assertTrue(ids.length < "Once upon a time, there was a little girl named Lily.".length() / 2,
                "merges shorten the sequence: " + Arrays.toString(ids));
        for (int i = 1; i + 1 < ids.length; i++) {
            String merged = tok512.piece(ids[i]) + tok512.piece(ids[i + 1]);
            for (int id = 0; id < tok512.vocabSize(); id++) {
                if (tok512.piece(id).equals(merged)) {
                    throw new AssertionError("pair " + ids[i] + "," + ids[i + 1] + " could still merge into " + id);
                }
            }
        }
    }

    @Test
    void decodeDropsTheSpaceAfterBosAndMapsByteTokens() {
        int once = tok512.encode("Once", false, false)[0];
        assertEquals(" Once", tok512.piece(once));
        assertEquals("Once", new String(tok512.decode(Llama2cTokenizer.BOS, once), StandardCharsets.UTF_8));
        assertEquals(" Once", new String(tok512.decode(400, once), StandardCharsets.UTF_8));
        assertArrayEquals(new byte[] {'\n'}, tok512.decode(400, 0x0A + 3));
        // a lone control byte prints nothing (run.c's safe_printf), a lone continuation byte neither
        assertArrayEquals(new byte[0], tok512.decode(400, 0x07 + 3));
        assertArrayEquals(new byte[0], tok512.decode(400, 0x9F + 3));
    }

    @Test
    void bytesOfAFallbackCharacterPrintNothingAsInRunC() throws IOException {
        Llama2cTokenizer llama2 = llama2();
        // run.c's safe_printf skips single bytes that are not printable ASCII, so an emoji spelled as byte tokens
        // prints nothing at all: llama2.c prints the same
        int[] ids = llama2.encode("😀");
        assertEquals("", decodeAll(llama2, ids));
    }

    @Test
    void aTokenizerCutInHalfNamesTheTokenWhereItEnds(@TempDir Path dir) {
        byte[] whole = TestFiles.tok512();
        Path half = TestFiles.write(dir, "tok512.bin", Arrays.copyOf(whole, whole.length / 2));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Llama2cTokenizer.open(half, 512));
        assertTrue(e.getMessage().startsWith(half + ": field 'token["), e.getMessage());
        assertTrue(e.field().startsWith("token["), e.field());
    }

    @Test
    void aLyingLengthIsRejectedBeforeReading(@TempDir Path dir) {
        byte[] bytes = TestFiles.tok512().clone();
        // token 0's length field sits after max_token_length (4 bytes) and its score (4 bytes)
        bytes[8] = (byte) 0xFF;
        bytes[9] = (byte) 0xFF;
        bytes[10] = (byte) 0xFF;
        bytes[11] = (byte) 0x7F;
        Path lying = TestFiles.write(dir, "lying.bin", bytes);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Llama2cTokenizer.open(lying, 512));
        assertEquals("token[0].length", e.field());
        assertEquals(8, e.offset());
    }

    @Test
    void tooFewTokensForTheModel(@TempDir Path dir) {
        Path file = TestFiles.write(dir, "tok512.bin", TestFiles.tok512());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Llama2cTokenizer.open(file, 32000));
        assertTrue(e.getMessage().contains("32000"), e.getMessage());
    }

    static String decodeAll(Tokenizer tokenizer, int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 1; i < ids.length; i++) {
            out.writeBytes(tokenizer.decode(ids[i - 1], ids[i]));
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
