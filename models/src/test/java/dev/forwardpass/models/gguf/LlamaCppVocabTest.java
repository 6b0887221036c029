package dev.forwardpass.models.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.tokenizer.DecodedText;
import dev.forwardpass.models.tokenizer.EncodeOptions;
import dev.forwardpass.models.tokenizer.Llama2cTokenizer;
import dev.forwardpass.models.tokenizer.Tokenizer;
import dev.forwardpass.models.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp's tokenizer test vectors (its test-tokenizer-0): every string of a vocabulary encodes, without BOS and
 * without parsing special tokens, to the ids llama.cpp and Hugging Face give. From the vocab-only GGUF files, and for
 * llama-bpe (Llama 3) and qwen2 from the Llama 3 and Qwen3 tokenizer.json files, which share those pre-tokenizers and
 * merges. Each test publishes its count as "vocabulary: passed/total".
 */
class LlamaCppVocabTest {
    @TempDir
    Path dir;

    /** The vocabularies that have both a GGUF file and vectors. */
    private static final String[] GGUF_VOCABULARIES = {"llama-spm", "phi-3", "gpt-2", "mpt", "falcon", "starcoder",
            "refact", "deepseek-coder", "deepseek-llm"};

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "gpt-2", "mpt", "falcon", "starcoder", "refact", "deepseek-coder",
            "deepseek-llm"})
    void theGgufVocabularyEncodesEveryVector(String vocab, TestReporter reporter) throws IOException {
        assertEveryVector(vocab, LlamaCppVocabFiles.tokenizer(vocab), reporter);
    }

    @ParameterizedTest
    @CsvSource({"llama-bpe, llama3", "qwen2, qwen3"})
    void theTokenizerJsonEncodesEveryVector(String vocab, String folder, TestReporter reporter) throws IOException {
        Tokenizer tokenizer = Tokenizers.open(TestFiles.shared("tokenizers/" + folder + "/tokenizer.json"), 0);
        assertEveryVector(vocab, tokenizer, reporter);
    }

    @Test
    void falconsTokenizerJsonPreTokenizersEncodeEveryVector(TestReporter reporter) throws IOException {
        // Falcon's vocabulary as a tokenizer.json with Falcon's pre-tokenizers (Punctuation, then digits cut after
        // the bytes became characters: "½" is a digit there), where llama.cpp's table has regexes: the same ids
        assertEveryVector("falcon", Tokenizers.open(LlamaCppVocabFiles.falconTokenizerJson(dir), 0), reporter);
    }

    private static void assertEveryVector(String vocab, Tokenizer tokenizer, TestReporter reporter)
            throws IOException {
        List<LlamaCppVocabFiles.Vector> vectors = LlamaCppVocabFiles.vectors(vocab);
        List<String> failures = new ArrayList<>();
        for (LlamaCppVocabFiles.Vector v : vectors) {
            int[] ids = tokenizer.encode(v.text(), EncodeOptions.PLAIN_TEXT);
            if (!Arrays.equals(v.ids(), ids)) {
                failures.add("'" + v.text() + "': expected " + Arrays.toString(v.ids()) + ", got "
                        + Arrays.toString(ids));
            }
        }
        reporter.publishEntry(vocab, (vectors.size() - failures.size()) + "/" + vectors.size());
        assertEquals(46, vectors.size(), vocab + ": the shared files hold 46 vectors");
        assertEquals(List.of(), failures, vocab);
    }

    @Test
    void decodingTheVectorsGivesBackTheirText() throws IOException {
        for (String vocab : GGUF_VOCABULARIES) {
            Tokenizer tokenizer = LlamaCppVocabFiles.tokenizer(vocab);
            for (LlamaCppVocabFiles.Vector v : LlamaCppVocabFiles.vectors(vocab)) {
                assertEquals(v.text(), DecodedText.of(tokenizer, v.ids()), vocab);
            }
        }
    }

    @Test
    void llama2sGgufVocabularyEncodesPromptsAsRunCDoesWithTokenizerBin() throws IOException {
        // the shared README: llama-spm is token for token the vocabulary of llama2-tokenizer/tokenizer.bin
        Tokenizer gguf = LlamaCppVocabFiles.tokenizer("llama-spm");
        Tokenizer runC = Llama2cTokenizer.open(TestFiles.shared("models/llama2-tokenizer/tokenizer.bin"), 32000);
        for (LlamaCppVocabFiles.Vector v : LlamaCppVocabFiles.vectors("llama-spm")) {
            int[] prompt = gguf.encode(v.text());
            assertArrayEquals(runC.encode(v.text()), prompt, v.text());
            assertEquals(1, prompt[0], "Llama 2 adds BOS to a prompt");
        }
    }

    @Test
    void theOtherSharedVocabulariesLoadOrAreRefusedByName() throws IOException {
        // no vectors: baichuan is a SentencePiece vocabulary with its byte tokens at 393..648, not run.c's 3..258
        Tokenizer baichuan = LlamaCppVocabFiles.tokenizer("baichuan");
        String text = "\u4F60\u597D, world! \uD83E\uDD99";
        assertEquals(text, DecodedText.of(baichuan, baichuan.encode(text, EncodeOptions.PLAIN_TEXT)));
        assertEquals(1, baichuan.encode(text)[0], "a prompt starts with BOS");
        // gpt-neox is GPT-NeoX's vocabulary, as mpt's, in a file that names no pre-tokenizer: llama.cpp's default
        assertArrayEquals(LlamaCppVocabFiles.tokenizer("mpt").encode("Hello world"),
                LlamaCppVocabFiles.tokenizer("gpt-neox").encode("Hello world"));
        ModelFormatException bert = assertThrows(ModelFormatException.class,
                () -> LlamaCppVocabFiles.tokenizer("bert-bge"));
        assertEquals("tokenizer.ggml.model", bert.field());
        assertTrue(bert.getMessage().contains("'bert'") && bert.getMessage().contains("supported: llama, gpt2"),
                bert.getMessage());
    }

    @Test
    void aHundredThousandTokenVocabularyLoadsQuickly() throws IOException {
        long start = System.nanoTime();
        Tokenizer deepseek = LlamaCppVocabFiles.tokenizer("deepseek-llm");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(102400, deepseek.vocabSize());
        // well under a second when the machine is not shared; the bound catches a quadratic or boxing regression
        assertTrue(millis < 3000, "loading 102400 tokens and 99757 merges took " + millis + " ms");
    }
}
