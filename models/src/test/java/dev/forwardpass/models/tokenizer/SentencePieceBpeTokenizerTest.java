package dev.forwardpass.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.TestFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SentencePiece-style BPE from tokenizer.json (Llama 2, TinyLlama), on the real Llama 2 vocabulary and on
 * stories260K's 512 tokens, converted as Hugging Face converts SentencePiece models. The expected ids were computed
 * once by Hugging Face's Tokenizers.js on the same files; run.c's tokenizer on the same vocabulary is a second,
 * independent check.
 */
class SentencePieceBpeTokenizerTest {
    static final String[] TEXTS = {
            "Hello world",
            " Hello world",
            "Once upon a time, there was a little girl named Lily.",
            "I'm sure they'll say it's John's; don't.",
            "In 2024, 1234567 people paid $3.50.",
            "a  b   c\n\n\td \t \n  e   ",
            "\u041F\u0440\u0438\u0432\u0435\u0442, \u043C\u0438\u0440! \u4F60\u597D\uFF0C\u4E16\u754C\u3002 \u3053\u3093\u306B\u3061\u306F",
            "I \u2764\uFE0F \uD83E\uDD99s and \uD83C\uDDEB\uD83C\uDDF7! \uD83D\uDE00",
            "na\u00EFve caf\u00E9 d\u00E9j\u00E0 vu \u00C5ngstr\u00F6m",
            "def f(x):\n    return x**2  # square\n",
            "x</s>y <s> z",
    };
    static final int[][] LLAMA2_IDS = {
            {1, 15043, 3186},
            {1, 29871, 15043, 3186},
            {1, 9038, 2501, 263, 931, 29892, 727, 471, 263, 2217, 7826, 4257, 365, 2354, 29889},
            {1, 306, 29915, 29885, 1854, 896, 29915, 645, 1827, 372, 29915, 29879, 2259, 29915, 29879, 29936, 1016, 29915, 29873, 29889},
            {1, 512, 29871, 29906, 29900, 29906, 29946, 29892, 29871, 29896, 29906, 29941, 29946, 29945, 29953, 29955, 2305, 12530, 395, 29941, 29889, 29945, 29900, 29889},
            {1, 263, 29871, 289, 259, 274, 13, 13, 12, 29881, 29871, 12, 29871, 13, 29871, 321, 1678},
            {1, 7203, 7616, 29892, 4157, 29927, 29991, 29871, 30919, 31076, 30214, 30793, 30967, 30267, 29871, 30589, 30389, 30353, 30644, 30449},
            {1, 306, 29871, 229, 160, 167, 30598, 29871, 243, 162, 169, 156, 29879, 322, 29871, 243, 162, 138, 174, 243, 162, 138, 186, 29991, 29871, 243, 162, 155, 131},
            {1, 1055, 30085, 345, 274, 28059, 20737, 18679, 11260, 865, 25961},
            {1, 822, 285, 29898, 29916, 1125, 13, 1678, 736, 921, 1068, 29906, 29871, 396, 6862, 13},
            {1, 921, 2, 343, 29871, 1, 29871, 503},
    };
    static final int[][] LLAMA2_METASPACE_IDS = {
            {1, 15043, 3186},
            {1, 15043, 3186},
            {1, 9038, 2501, 263, 931, 29892, 727, 471, 263, 2217, 7826, 4257, 365, 2354, 29889},
            {1, 306, 29915, 29885, 1854, 896, 29915, 645, 1827, 372, 29915, 29879, 2259, 29915, 29879, 29936, 1016, 29915, 29873, 29889},
            {1, 512, 29871, 29906, 29900, 29906, 29946, 29892, 29871, 29896, 29906, 29941, 29946, 29945, 29953, 29955, 2305, 12530, 395, 29941, 29889, 29945, 29900, 29889},
            {1, 263, 29871, 289, 259, 274, 13, 13, 12, 29881, 29871, 12, 29871, 13, 29871, 321, 1678},
            {1, 7203, 7616, 29892, 4157, 29927, 29991, 29871, 30919, 31076, 30214, 30793, 30967, 30267, 29871, 30589, 30389, 30353, 30644, 30449},
            {1, 306, 29871, 229, 160, 167, 30598, 29871, 243, 162, 169, 156, 29879, 322, 29871, 243, 162, 138, 174, 243, 162, 138, 186, 29991, 29871, 243, 162, 155, 131},
            {1, 1055, 30085, 345, 274, 28059, 20737, 18679, 11260, 865, 25961},
            {1, 822, 285, 29898, 29916, 1125, 13, 1678, 736, 921, 1068, 29906, 29871, 396, 6862, 13},
            {1, 921, 2, 29891, 29871, 1, 503},
    };
    static final int[][] TOK512_IDS = {
            {1, 346, 306, 414, 263, 304, 341},
            {1, 410, 346, 306, 414, 263, 304, 341},
            {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426},
            {1, 359, 439, 423, 262, 425, 276, 366, 439, 306, 262, 283, 312, 439, 419, 410, 454, 414, 415, 416, 439, 419, 474, 279, 289, 439, 413, 426},
            {1, 359, 416, 410, 479, 477, 479, 484, 432, 410, 475, 479, 472, 484, 480, 490, 491, 282, 411, 414, 427, 305, 282, 412, 292, 410, 494, 472, 426, 480, 477, 426},
            {1, 261, 410, 268, 410, 410, 280, 13, 13, 12, 418, 410, 12, 410, 13, 410, 344, 410, 410, 410},
            {1, 410, 211, 162, 212, 131, 211, 187, 211, 181, 211, 184, 212, 133, 432, 410, 211, 191, 211, 187, 212, 131, 443, 410, 231, 192, 163, 232, 168, 192, 242, 191, 143, 231, 187, 153, 234, 152, 143, 230, 131, 133, 410, 230, 132, 150, 230, 133, 150, 230, 132, 174, 230, 132, 164, 230, 132, 178},
            {1, 359, 410, 229, 160, 167, 242, 187, 146, 410, 243, 162, 169, 156, 419, 269, 410, 243, 162, 138, 174, 243, 162, 138, 186, 443, 410, 243, 162, 155, 131},
            {1, 297, 412, 198, 178, 360, 280, 412, 431, 485, 279, 485, 449, 198, 163, 410, 435, 425, 410, 198, 136, 416, 428, 356, 420, 198, 185, 423},
            {1, 279, 411, 431, 272, 489, 444, 488, 467, 13, 410, 410, 410, 410, 276, 413, 425, 420, 416, 410, 444, 497, 497, 479, 410, 410, 38, 262, 456, 425, 412, 276, 13},
            {1, 410, 444, 2, 348, 410, 1, 410, 410, 451},
    };

    @TempDir
    static Path dir;

    static Tokenizer tok512;
    private static Llama2Vocabulary cachedLlama2;

    /** The real Llama 2 vocabulary, converted both ways Hugging Face converts it. */
    record Llama2Vocabulary(Path bin, Tokenizer legacy, Tokenizer metaspace) {}

    @BeforeAll
    static void load() throws IOException {
        tok512 = Tokenizers.open(SentencePieceFiles.write(dir.resolve("tok512"), TestFiles.tok512(), 512,
                SentencePieceFiles.Style.LEGACY), 512);
    }

    /** {@return the Llama 2 vocabulary, converted on first use} (its tests are skipped without ../shared) */
    static Llama2Vocabulary llama2() throws IOException {
        if (cachedLlama2 == null) {
            Path bin = TestFiles.shared("models/llama2-tokenizer/tokenizer.bin");
            byte[] llama2Bin = Files.readAllBytes(bin);
            Path legacyDir = SentencePieceFiles.write(dir.resolve("legacy"), llama2Bin, 32000,
                    SentencePieceFiles.Style.LEGACY);
            SentencePieceFiles.writeLlamaTokenizerConfig(legacyDir);
            cachedLlama2 = new Llama2Vocabulary(bin, Tokenizers.open(legacyDir, 32000),
                    Tokenizers.open(SentencePieceFiles.write(dir.resolve("metaspace"), llama2Bin, 32000,
                            SentencePieceFiles.Style.METASPACE), 32000));
        }
        return cachedLlama2;
    }

    @Test
    void encodingsMatchTheReference() {
        for (int i = 0; i < TEXTS.length; i++) {
            assertArrayEquals(TOK512_IDS[i], tok512.encode(TEXTS[i]), "tok512: " + TEXTS[i]);
        }
    }

    @Test
    void llama2EncodingsMatchTheReference() throws IOException {
        Llama2Vocabulary llama2 = llama2();
        assertInstanceOf(SentencePieceBpeTokenizer.class, llama2.legacy());
        for (int i = 0; i < TEXTS.length; i++) {
            assertArrayEquals(LLAMA2_IDS[i], llama2.legacy().encode(TEXTS[i]), "legacy: " + TEXTS[i]);
            assertArrayEquals(LLAMA2_METASPACE_IDS[i], llama2.metaspace().encode(TEXTS[i]), "metaspace: " + TEXTS[i]);
        }
    }

    @Test
    void encodingsMatchRunCOnTheSameVocabulary() throws IOException {
        Llama2cTokenizer runC512 = Llama2cTokenizer.open(TestFiles.write(dir, "tok512.bin", TestFiles.tok512()), 512);
        for (String text : runCTexts()) {
            assertArrayEquals(runC512.encode(text), tok512.encode(text), "tok512: " + text);
        }
    }

    @Test
    void llama2EncodingsMatchRunCOnTheSameVocabulary() throws IOException {
        Llama2Vocabulary llama2 = llama2();
        Llama2cTokenizer runC = Llama2cTokenizer.open(llama2.bin(), 32000);
        for (String text : runCTexts()) {
            assertArrayEquals(runC.encode(text), llama2.legacy().encode(text), text);
        }
    }

    /** {@return 200 seeded random texts without '<' and '>'}: run.c has no notion of added tokens */
    static List<String> runCTexts() {
        return randomTexts(7, text -> text.replace('<', '(').replace('>', ')'));
    }

    /** {@return 200 seeded random texts without '<'} */
    static List<String> decodingTexts() {
        return randomTexts(11, text -> text.replace('<', '('));
    }

    static List<String> randomTexts(long seed, UnaryOperator<String> edit) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> texts = new ArrayList<>();
        for (int round = 0; round < 200; round++) {
            texts.add(edit.apply(ByteLevelBpeTokenizerTest.randomText(random, 1 + random.nextInt(40))));
        }
        return texts;
    }

    @Test
    void decodingAfterBosGivesBackTheText() {
        for (String text : decodingTexts()) {
            assertEquals(text, decodeAfterBos(tok512, tok512.encode(text)), "tok512: " + text);
        }
    }

    @Test
    void llama2DecodingAfterBosGivesBackTheText() throws IOException {
        Llama2Vocabulary llama2 = llama2();
        for (String text : decodingTexts()) {
            assertEquals(text, decodeAfterBos(llama2.legacy(), llama2.legacy().encode(text)), text);
        }
        // the dummy prefix's space is dropped once, after BOS; a text's own leading space stays
        assertEquals(" Hello world", decodeAfterBos(llama2.legacy(), llama2.legacy().encode(" Hello world")));
        assertEquals("Hello world", decodeAfterBos(llama2.metaspace(), llama2.metaspace().encode("Hello world")));
    }

    /** {@return the text of every token after the first (the BOS), streamed as generation prints it} */
    static String decodeAfterBos(Tokenizer tokenizer, int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 1; i < ids.length; i++) {
            out.writeBytes(tokenizer.decode(ids[i - 1], ids[i]));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void byteTokensAndSpecialTokens() throws IOException {
        Tokenizer legacy = llama2().legacy();
        assertEquals(OptionalInt.of(1), legacy.bosToken());
        assertTrue(legacy.stopsGeneration(2));
        assertEquals(1, legacy.encode("")[0]);
        assertEquals(1, legacy.encode("").length);
        assertArrayEquals(new byte[] {'\n'}, legacy.decode(100, 13));   // <0x0A>
        assertEquals("<0x0A>", legacy.piece(13));
        assertEquals(" Hello", legacy.piece(15043));
        assertArrayEquals(" Hello".getBytes(StandardCharsets.UTF_8), legacy.decode(100, 15043));
        assertArrayEquals("Hello".getBytes(StandardCharsets.UTF_8), legacy.decode(1, 15043));
        assertEquals("</s>", legacy.piece(2));
    }
}
