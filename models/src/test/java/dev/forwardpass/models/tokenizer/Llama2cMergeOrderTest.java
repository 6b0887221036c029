package dev.forwardpass.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.forwardpass.models.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The priority-queue merge loop of {@link Llama2cTokenizer} gives run.c's ids for every input: checked against run.c's
 * quadratic loop, written here as run.c writes it, on real vocabularies and on vocabularies full of equal scores.
 */
class Llama2cMergeOrderTest {
    private static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play "
            + "outside in the sunshine. One day, she saw a big, red ball in the sky!\n\"Mom, look!\" she said. Zoë ate "
            + "42 crêpes — 日本語 😀 ";

    /** {@return random texts: slices of {@code source}, and random characters from it and from a few scripts} */
    private static String[] randomTexts(String source, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        String alphabet = source + "aaaaabbbbb    ééé\n\t日本😀<0x41>";
        int[] codePoints = alphabet.codePoints().toArray();
        String[] texts = new String[count];
        for (int t = 0; t < count; t++) {
            int length = random.nextInt(1, 200);
            if (random.nextBoolean()) {
                int from = random.nextInt(source.length() - 1);
                texts[t] = source.substring(from, Math.min(source.length(), from + length));
            } else {
                StringBuilder text = new StringBuilder();
                for (int i = 0; i < length; i++) {
                    text.appendCodePoint(codePoints[random.nextInt(codePoints.length)]);
                }
                texts[t] = text.toString();
            }
        }
        return texts;
    }

    private static void assertRunCIds(RunCVocabulary vocabulary, String[] texts) {
        Llama2cTokenizer tokenizer = vocabulary.tokenizer();
        for (String text : texts) {
            assertArrayEquals(vocabulary.runC(text), tokenizer.encode(text), () -> "ids of '" + text + "'");
        }
    }

    @Test
    void tok512GivesRunCIds() {
        RunCVocabulary tok512 = RunCVocabulary.read(TestFiles.tok512(), 512);
        assertRunCIds(tok512, Llama2cTokenizerTest.ROUND_TRIP_TEXTS);
        assertRunCIds(tok512, randomTexts(STORY, 2000, 1));
    }

    @Test
    void llama2GivesRunCIds() throws IOException {
        RunCVocabulary llama2 = RunCVocabulary.read(
                Files.readAllBytes(TestFiles.shared("models/llama2-tokenizer/tokenizer.bin")), 32000);
        assertRunCIds(llama2, randomTexts(STORY, 300, 2));
    }

    @Test
    void tiesGoToTheLeftmostPairAsInRunC() {
        // tok512's pieces with scores drawn from three values (0.0 and -0.0 among them, which run.c's '>' ties), and
        // a few below run.c's start value -1e10 or NaN, which never merge
        RunCVocabulary tok512 = RunCVocabulary.read(TestFiles.tok512(), 512);
        for (long seed = 0; seed < 20; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            float[] values = {0.0f, -0.0f, 1.5f, -2e10f, Float.NaN, -1e10f};
            float[] scores = new float[512];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = values[random.nextInt(seed % 2 == 0 ? 3 : values.length)];
            }
            assertRunCIds(new RunCVocabulary(tok512.pieces(), scores), randomTexts(STORY, 100, seed));
        }
        // a vocabulary of runs of one letter, all with one score: merging is decided by position alone
        String[] pieces = new String[3 + 256 + 8];
        float[] scores = new float[pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            pieces[i] = i < 3 ? "<" + i + ">" : i < 259 ? String.format("<0x%02X>", i - 3) : "a".repeat(i - 258);
        }
        pieces[259] = " ";
        assertRunCIds(new RunCVocabulary(pieces, scores), new String[] {"aaaaaaaaaaaaa", "aaa aaaaa a aaaaaaaaaaaaaaaaaaaaaa"});
    }

    @Test
    void aLongPromptEncodesInLinearishTime() {
        Llama2cTokenizer tok512 = RunCVocabulary.read(TestFiles.tok512(), 512).tokenizer();
        String prompt = STORY.repeat(90_000 / STORY.length() + 1);
        String noMerges = "\u0001".repeat(400_000); // byte tokens only: no pair ever merges
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            tok512.encode(prompt);
            tok512.encode(noMerges);
            tok512.encode("a".repeat(400_000));
        });
    }
}
