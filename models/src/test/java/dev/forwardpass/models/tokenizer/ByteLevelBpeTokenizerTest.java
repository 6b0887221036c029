package dev.forwardpass.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.format.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Byte-level BPE on the real GPT-2 vocabulary. The expected ids were computed once by two independent
 * implementations that agree with each other: Hugging Face's Tokenizers.js reading the same tokenizer.json files,
 * and tiktoken's r50k_base (GPT-2's encoding) for the GPT-2 pattern.
 */
class ByteLevelBpeTokenizerTest {
    static final String[] TEXTS = {
            "Hello world", // plain
            " Hello world", // leading space
            "", // empty
            "I'm sure they'll say it's John's; we've, you're, I'd, don't. DON'T YOU'LL", // contractions
            "In 2024, 1234567 people paid $3.50 (about 12,345.67) for 99 bottles.", // digits
            "a  b   c\n\n\td \t \n  e   ", // whitespace runs
            "   leading spaces\r\nwindows line\r\n\r\n", // CRLF and leading spaces
            "\u041F\u0440\u0438\u0432\u0435\u0442, \u043C\u0438\u0440! \u4F60\u597D\uFF0C\u4E16\u754C\u3002 \u3053\u3093\u306B\u3061\u306F \uC548\uB155\uD558\uC138\uC694 \u0645\u0631\u062D\u0628\u0627 \u05E9\u05DC\u05D5\u05DD", // non-Latin scripts
            "I \u2764\uFE0F \uD83E\uDD99s \uD83D\uDC69\u200D\uD83D\uDC69\u200D\uD83D\uDC67 and \uD83C\uDDEB\uD83C\uDDF7! \uD83D\uDE00\uD83D\uDE00\uD83D\uDE00", // emoji: ZWJ sequences, flags, variation selector
            "na\u00EFve caf\u00E9 d\u00E9j\u00E0 vu \u00C5ngstr\u00F6m", // accents
            "Hello<|endoftext|>world <|endoftext|> again", // special token in text
            "def f(x):\n    return x**2  # square\n", // code
    };

    // ids for TEXTS, per pre-tokenizer
    static final int[][] GPT2_IDS = {
            {15496, 995},
            {18435, 995},
            {},
            {40, 1101, 1654, 484, 1183, 910, 340, 338, 1757, 338, 26, 356, 1053, 11, 345, 821, 11, 314, 1549, 11, 836, 470, 13, 23917, 6, 51, 7013, 6, 3069},
            {818, 48609, 11, 17031, 2231, 3134, 661, 3432, 720, 18, 13, 1120, 357, 10755, 1105, 11, 27712, 13, 3134, 8, 329, 7388, 14096, 13},
            {64, 220, 275, 220, 220, 269, 628, 197, 67, 220, 197, 220, 198, 220, 304, 220, 220, 220},
            {220, 220, 3756, 9029, 201, 198, 28457, 1627, 201, 198, 201, 198},
            {140, 253, 21169, 18849, 38857, 16843, 20375, 11, 12466, 120, 18849, 21169, 0, 220, 19526, 254, 25001, 121, 171, 120, 234, 10310, 244, 45911, 234, 16764, 23294, 241, 22174, 28618, 2515, 94, 31676, 23821, 243, 230, 167, 227, 243, 47991, 246, 168, 226, 116, 168, 248, 242, 47048, 26897, 148, 255, 39848, 12919, 14360, 102, 40010, 27072, 147, 251},
            {40, 43074, 97, 37929, 12520, 99, 247, 82, 50169, 102, 447, 235, 41840, 102, 447, 235, 41840, 100, 290, 12520, 229, 104, 8582, 229, 115, 0, 30325, 222, 47249, 222, 47249, 222},
            {2616, 38776, 40304, 39073, 73, 24247, 410, 84, 6184, 227, 782, 2536, 9101, 76},
            {15496, 50256, 6894, 220, 50256, 757},
            {4299, 277, 7, 87, 2599, 198, 220, 220, 220, 1441, 2124, 1174, 17, 220, 1303, 6616, 198},
    };
    static final int[][] LLAMA3_IDS = {
            {15496, 995},
            {18435, 995},
            {},
            {40, 1101, 1654, 484, 1183, 910, 340, 338, 1757, 338, 26, 356, 1053, 11, 345, 821, 11, 314, 1549, 11, 836, 470, 13, 23917, 6, 51, 7013, 6, 3069},
            {818, 220, 19004, 19, 11, 220, 10163, 29228, 22, 661, 3432, 720, 18, 13, 1120, 357, 10755, 220, 1065, 11, 27712, 13, 3134, 8, 329, 220, 2079, 14096, 13},
            {64, 220, 275, 220, 220, 269, 628, 197, 67, 220, 197, 220, 198, 220, 304, 220, 220, 220},
            {220, 220, 3756, 9029, 201, 198, 28457, 1627, 201, 198, 201, 198},
            {140, 253, 21169, 18849, 38857, 16843, 20375, 11, 12466, 120, 18849, 21169, 0, 220, 19526, 254, 25001, 121, 171, 120, 234, 10310, 244, 45911, 234, 16764, 23294, 241, 22174, 28618, 2515, 94, 31676, 23821, 243, 230, 167, 227, 243, 47991, 246, 168, 226, 116, 168, 248, 242, 47048, 26897, 148, 255, 39848, 12919, 14360, 102, 40010, 27072, 147, 251},
            {40, 43074, 97, 37929, 12520, 99, 247, 82, 50169, 102, 447, 235, 41840, 102, 447, 235, 41840, 100, 290, 12520, 229, 104, 8582, 229, 115, 0, 30325, 222, 47249, 222, 47249, 222},
            {2616, 38776, 40304, 39073, 73, 24247, 410, 84, 6184, 227, 782, 2536, 9101, 76},
            {15496, 50256, 6894, 220, 50256, 757},
            {4299, 277, 7, 87, 2599, 198, 220, 220, 220, 1441, 2124, 1174, 17, 220, 1303, 6616, 198},
    };
    static final int[][] QWEN2_IDS = {
            {15496, 995},
            {18435, 995},
            {},
            {40, 1101, 1654, 484, 1183, 910, 340, 338, 1757, 338, 26, 356, 1053, 11, 345, 821, 11, 314, 1549, 11, 836, 470, 13, 23917, 6, 51, 7013, 6, 3069},
            {818, 220, 17, 15, 17, 19, 11, 220, 16, 17, 18, 19, 20, 21, 22, 661, 3432, 720, 18, 13, 20, 15, 357, 10755, 220, 16, 17, 11, 18, 19, 20, 13, 21, 22, 8, 329, 220, 24, 24, 14096, 13},
            {64, 220, 275, 220, 220, 269, 628, 197, 67, 220, 197, 220, 198, 220, 304, 220, 220, 220},
            {220, 220, 3756, 9029, 201, 198, 28457, 1627, 201, 198, 201, 198},
            {140, 253, 21169, 18849, 38857, 16843, 20375, 11, 12466, 120, 18849, 21169, 0, 220, 19526, 254, 25001, 121, 171, 120, 234, 10310, 244, 45911, 234, 16764, 23294, 241, 22174, 28618, 2515, 94, 31676, 23821, 243, 230, 167, 227, 243, 47991, 246, 168, 226, 116, 168, 248, 242, 47048, 26897, 148, 255, 39848, 12919, 14360, 102, 40010, 27072, 147, 251},
            {40, 43074, 97, 37929, 12520, 99, 247, 82, 50169, 102, 447, 235, 41840, 102, 447, 235, 41840, 100, 290, 12520, 229, 104, 8582, 229, 115, 0, 30325, 222, 47249, 222, 47249, 222},
            {2616, 38776, 40304, 39073, 73, 24247, 410, 84, 6184, 227, 782, 2536, 9101, 76},
            {15496, 50256, 6894, 220, 50256, 757},
            {4299, 277, 7, 87, 2599, 198, 220, 220, 220, 1441, 2124, 1174, 17, 220, 1303, 6616, 198},
    };

    @TempDir
    static Path dir;

    static Tokenizer vocabAndMerges;
    static final java.util.Map<Gpt2Files.Flavour, Tokenizer> BY_FLAVOUR = new java.util.EnumMap<>(Gpt2Files.Flavour.class);

    @BeforeAll
    static void load() throws IOException {
        vocabAndMerges = Tokenizers.open(Gpt2Files.copyTo(dir.resolve("gpt2")), 0);
        for (Gpt2Files.Flavour flavour : Gpt2Files.Flavour.values()) {
            BY_FLAVOUR.put(flavour, Tokenizers.open(Gpt2Files.writeTokenizerJson(dir.resolve(flavour.name()), flavour), 0));
        }
    }

    /** {@return a new folder holding a copy of the tokenizer.json of {@code flavour}} */
    static Path copyOf(Gpt2Files.Flavour flavour, String name) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(name));
        Files.copy(dir.resolve(flavour.name()).resolve("tokenizer.json"), folder.resolve("tokenizer.json"));
        return folder;
    }

    @Test
    void knownEncodingsOfTheSharedReadme() {
        assertArrayEquals(new int[] {15496, 995}, vocabAndMerges.encode("Hello world"));
        assertArrayEquals(new int[] {18435, 995}, vocabAndMerges.encode(" Hello world"));
        assertInstanceOf(ByteLevelBpeTokenizer.class, vocabAndMerges);
    }

    @Test
    void vocabAndMergesMatchTheReference() {
        for (int i = 0; i < TEXTS.length; i++) {
            assertArrayEquals(GPT2_IDS[i], vocabAndMerges.encode(TEXTS[i]), TEXTS[i]);
        }
    }

    @ParameterizedTest
    @EnumSource(Gpt2Files.Flavour.class)
    void tokenizerJsonMatchesTheReference(Gpt2Files.Flavour flavour) throws IOException {
        Tokenizer tokenizer = BY_FLAVOUR.get(flavour);
        int[][] expected = switch (flavour) {
            case GPT2 -> GPT2_IDS;
            case LLAMA3 -> LLAMA3_IDS;
            case QWEN2 -> QWEN2_IDS;
        };
        for (int i = 0; i < TEXTS.length; i++) {
            assertArrayEquals(expected[i], tokenizer.encode(TEXTS[i]), flavour + ": " + TEXTS[i]);
        }
    }

    @ParameterizedTest
    @EnumSource(Gpt2Files.Flavour.class)
    void decodingGivesBackTheExactTextForArbitraryStrings(Gpt2Files.Flavour flavour) throws IOException {
        Tokenizer tokenizer = BY_FLAVOUR.get(flavour);
        SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 300; round++) {
            String text = randomText(random, 1 + random.nextInt(60));
            // Qwen2's tokenizer normalizes to NFC first: what comes back is the normalized text
            String expected = flavour == Gpt2Files.Flavour.QWEN2 ? Normalizer.normalize(text, Normalizer.Form.NFC) : text;
            assertEquals(expected, DecodedText.of(tokenizer, tokenizer.encode(text)), "round " + round);
        }
        for (String text : TEXTS) {
            assertEquals(text, DecodedText.of(tokenizer, tokenizer.encode(text)));
        }
    }

    /** Random code points from every range that matters: ASCII, white space, Latin, CJK, emoji, combining marks. */
    static String randomText(SplittableRandom random, int length) {
        int[][] ranges = {{0x20, 0x7E}, {0x09, 0x0D}, {0x20, 0x20}, {0xA0, 0x24F}, {0x300, 0x36F}, {0x400, 0x4FF},
                {0x600, 0x6FF}, {0x3040, 0x30FF}, {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, {0x1F300, 0x1FAFF},
                {0x2000, 0x206F}, {0x0, 0x1F}, {0x10000, 0x10FFFF}};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int[] range = ranges[random.nextInt(ranges.length)];
            int cp = range[0] + random.nextInt(range[1] - range[0] + 1);
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 'x';   // a lone surrogate is not text
            }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    @Test
    void tokensThatSplitACharacterDecodeToItsRawBytes() {
        // the llama emoji is 4 UTF-8 bytes, encoded as two tokens that each hold part of it
        int[] ids = vocabAndMerges.encode("\uD83E\uDD99");
        assertTrue(ids.length > 1);
        byte[] first = vocabAndMerges.decode(-1, ids[0]);
        assertTrue(first.length < 4 && (first[0] & 0xFF) == 0xF0, "the first token holds the lead byte");
        // shown as text, a partial character becomes U+FFFD instead of failing
        assertTrue(vocabAndMerges.piece(ids[0]).contains("\uFFFD"));
        assertEquals("\uD83E\uDD99", DecodedText.of(vocabAndMerges, ids));
    }

    @Test
    void gpt2AddsNoBosAndStopsAtEndOfText() {
        assertEquals(15496, vocabAndMerges.encode("Hello")[0]);
        assertEquals(0, vocabAndMerges.encode("").length);
        assertEquals(OptionalInt.of(50256), vocabAndMerges.bosToken());
        assertTrue(vocabAndMerges.stopsGeneration(50256));
        assertFalse(vocabAndMerges.stopsGeneration(198));
        assertEquals(" world", vocabAndMerges.piece(995));
        assertEquals("<|endoftext|>", vocabAndMerges.piece(50256));
        assertEquals(50257, vocabAndMerges.vocabSize());
    }

    @Test
    void idsOfTheModelBeyondTheTokenizerPrintNothing() throws IOException {
        // Qwen2 pads its embedding beyond the tokenizer's ids: those decode to nothing rather than failing
        Tokenizer padded = Tokenizers.open(Gpt2Files.folder(), 50304);
        assertEquals(50304, padded.vocabSize());
        assertEquals(0, padded.decode(-1, 50300).length);
        assertEquals("", padded.piece(50300));
        assertThrows(IllegalArgumentException.class, () -> padded.decode(-1, 50304));
    }

    @Test
    void configsAddBosAndEosIds() throws IOException {
        Path folder = copyOf(Gpt2Files.Flavour.LLAMA3, "configs");
        Gpt2Files.writeJson(folder, "tokenizer_config.json", Gpt2Files.json(
                "{\"add_bos_token\": true, \"bos_token\": {\"content\": \"<|endoftext|>\"}, \"eos_token\": \"!\"}"));
        Gpt2Files.writeJson(folder, "generation_config.json", Gpt2Files.json("{\"eos_token_id\": [198, 13]}"));
        Tokenizer tokenizer = Tokenizers.open(folder, 0);
        assertArrayEquals(new int[] {50256, 15496, 995}, tokenizer.encode("Hello world"));
        for (int eos : new int[] {0, 198, 13}) {
            assertTrue(tokenizer.stopsGeneration(eos), "eos " + eos);
        }
        assertFalse(tokenizer.stopsGeneration(50256));
    }

    @Test
    void generationConfigIdsOutsideTheVocabularyNameTheirField() throws IOException {
        Path folder = copyOf(Gpt2Files.Flavour.LLAMA3, "generation-ids");
        Gpt2Files.writeJson(folder, "generation_config.json", Gpt2Files.json("{\"eos_token_id\": [198, 50257]}"));
        ModelFormatException eos = assertThrows(ModelFormatException.class, () -> Tokenizers.open(folder, 0));
        assertEquals(folder.resolve("generation_config.json") + ": field 'eos_token_id[1]': must be the id of a token "
                + "of the vocabulary, found 50257", eos.getMessage());
        Gpt2Files.writeJson(folder, "generation_config.json", Gpt2Files.json("{\"bos_token_id\": -1}"));
        assertEquals("bos_token_id", assertThrows(ModelFormatException.class, () -> Tokenizers.open(folder, 0)).field());
    }

    @Test
    void plainTextAddsNoBosAndTakesControlTokensForText() throws IOException {
        assertArrayEquals(new int[] {15496, 50256}, vocabAndMerges.encode("Hello<|endoftext|>"));
        // "<|endoftext|>" as GPT-2 writes the text: '<', '|', 'end', 'of', 'text', '|', '>'
        int[] plain = {15496, 27, 91, 437, 1659, 5239, 91, 29};
        assertArrayEquals(plain, vocabAndMerges.encode("Hello<|endoftext|>", EncodeOptions.PLAIN_TEXT));
        assertEquals("Hello<|endoftext|>", DecodedText.of(vocabAndMerges, plain));
        Path folder = copyOf(Gpt2Files.Flavour.LLAMA3, "plain");
        Gpt2Files.writeJson(folder, "tokenizer_config.json", Gpt2Files.json("""
                {"add_bos_token": true, "bos_token": "<|endoftext|>", "add_eos_token": true, "eos_token": "!"}
                """));
        Tokenizer bosAndEos = Tokenizers.open(folder, 0);
        assertArrayEquals(new int[] {50256, 15496, 995, 0}, bosAndEos.encode("Hello world"));
        assertArrayEquals(new int[] {15496, 995}, bosAndEos.encode("Hello world",
                EncodeOptions.PLAIN_TEXT));
    }

    @Test
    void templatePostProcessorAddsItsSpecialTokens() throws IOException {
        Path folder = copyOf(Gpt2Files.Flavour.GPT2, "template");
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) Gpt2Files.json(
                Files.readString(folder.resolve("tokenizer.json")));
        // Llama 3's post-processor: ByteLevel, then a template that puts the BOS before the text
        root.set("post_processor", Gpt2Files.json("""
                {"type": "Sequence", "processors": [
                  {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
                  {"type": "TemplateProcessing",
                   "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                   "pair": [],
                   "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [50256], "tokens": ["<|endoftext|>"]}}}]}
                """));
        Gpt2Files.writeJson(folder, "tokenizer.json", root);
        Tokenizer tokenizer = Tokenizers.open(folder.resolve("tokenizer.json"), 0);
        assertArrayEquals(new int[] {50256, 15496, 995}, tokenizer.encode("Hello world"));
        assertEquals(OptionalInt.of(50256), tokenizer.bosToken());
    }

    @Test
    void malformedTokenizerJsonNamesTheField() throws IOException {
        Path folder = copyOf(Gpt2Files.Flavour.GPT2, "bad");
        String json = Files.readString(folder.resolve("tokenizer.json"));
        Files.writeString(folder.resolve("tokenizer.json"), json.replace("\"type\":\"BPE\"", "\"type\":\"Unigram\""));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizers.open(folder, 0));
        assertEquals("model.type", e.field());
        assertTrue(e.getMessage().contains("Unigram"), e.getMessage());

        Files.writeString(folder.resolve("tokenizer.json"), json.substring(0, json.length() / 2));
        e = assertThrows(ModelFormatException.class, () -> Tokenizers.open(folder, 0));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());

        Path merges = Gpt2Files.copyTo(dir.resolve("bad-merges"));
        Files.writeString(merges.resolve("merges.txt"), "#version: 0.2\nĠ t\nĠt zzzzqq\n");
        e = assertThrows(ModelFormatException.class, () -> Tokenizers.open(merges, 0));
        assertTrue(e.getMessage().contains("zzzzqq"), e.getMessage());
    }

    @Test
    void aFolderWithoutTokenizerSaysWhatItLooksFor() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        IOException e = assertThrows(IOException.class, () -> Tokenizers.open(empty, 0));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    @Test
    void longRunsOfOneCharacterEncodeQuickly() {
        String spaces = " ".repeat(20_000) + "x";
        long start = System.nanoTime();
        int[] ids = vocabAndMerges.encode(spaces);
        assertEquals(spaces, DecodedText.of(vocabAndMerges, ids));
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "BPE must not be quadratic in a word's length");
    }
}
