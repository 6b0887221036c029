package dev.forwardpass.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.format.ModelFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A split or replace pattern from a tokenizer file runs within a step budget: a catastrophic one is an error, fast. */
class BoundedRegexTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play outside "
            + "in the sunshine.\n\n  \"Mom, look!\" she said, 1234567 times. Zoë ate 42 crêpes — 日本語 😀\t";

    @TempDir
    Path dir;

    /** {@return a Llama 3 style tokenizer.json whose split pattern is {@code split}, with a Replace of {@code replace}} */
    private Path tokenizerWith(String name, String split, String replace) throws IOException {
        Path folder = Gpt2Files.writeTokenizerJson(dir.resolve(name), Gpt2Files.Flavour.LLAMA3);
        ObjectNode root = (ObjectNode) JSON.readTree(folder.resolve("tokenizer.json").toFile());
        ((ObjectNode) root.get("pre_tokenizer").get("pretokenizers").get(0).get("pattern")).put("Regex", split);
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Replace").put("content", "a");
        normalizer.putObject("pattern").put("Regex", replace);
        Gpt2Files.writeJson(folder, "tokenizer.json", root);
        return folder.resolve("tokenizer.json");
    }

    @Test
    void aCatastrophicPatternFailsFastNamingTheFileAndField() throws IOException {
        // patterns that Java's regex engine runs in exponential time (its memoization of group loops does not cover
        // them): each would take hours on these texts
        String[] catastrophic = {"(.*a){20}b", "(a{1,3}){1,30}b", "(?:(a+)\\1?)+b"};
        String[] texts = {"a".repeat(40) + "!", "a".repeat(60), "a".repeat(50)};
        String harmless = "zzz";
        for (int i = 0; i < catastrophic.length; i++) {
            for (boolean inSplit : new boolean[] {true, false}) {
                Path file = tokenizerWith("t" + i + inSplit, inSplit ? catastrophic[i] : harmless,
                        inSplit ? harmless : catastrophic[i]);
                Tokenizer tokenizer = Tokenizers.open(file, 0);
                String text = texts[i];
                UncheckedIOException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                        () -> assertThrows(UncheckedIOException.class, () -> tokenizer.encode(text)));
                ModelFormatException format = assertInstanceOf(ModelFormatException.class, e.getCause());
                assertEquals(file.toString(), format.source());
                assertEquals(inSplit ? "pre_tokenizer.pretokenizers[0].pattern.Regex" : "normalizer.pattern.Regex",
                        format.field());
                assertTrue(format.getMessage().contains("backtracks"), format.getMessage());
            }
        }
    }

    @Test
    void realTokenizersStayWithinTheBudgetOnLongTexts() throws IOException {
        String[] texts = {STORY.repeat(300), " ".repeat(5000) + "x", "\n".repeat(5000), "a".repeat(30_000),
                "1".repeat(30_000)};
        for (String name : new String[] {"llama3", "qwen3"}) {
            Tokenizer tokenizer = Tokenizers.open(TestFiles.shared("tokenizers/" + name + "/tokenizer.json"), 0);
            for (String text : texts) {
                assertTrue(tokenizer.encode(text).length > 0, name);
            }
        }
        Tokenizer llama3Like = Tokenizers.open(tokenizerWith("llama3", Gpt2Files.LLAMA3_PATTERN, "zzz"), 0);
        for (String text : texts) {
            assertTrue(llama3Like.encode(text).length > 0);
        }
    }
}
