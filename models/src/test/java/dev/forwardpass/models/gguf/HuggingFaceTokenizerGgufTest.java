package dev.forwardpass.models.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.tokenizer.DecodedText;
import dev.forwardpass.models.tokenizer.EncodeOptions;
import dev.forwardpass.models.tokenizer.Gpt2Files;
import dev.forwardpass.models.tokenizer.LlamaCppConverter;
import dev.forwardpass.models.tokenizer.LlamaCppVocabulary;
import dev.forwardpass.models.tokenizer.SentencePieceFiles;
import dev.forwardpass.models.tokenizer.Tokenizer;
import dev.forwardpass.models.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A Hugging Face tokenizer written as a GGUF file's {@code tokenizer.*} keys and read back as llama.cpp reads them
 * is the Hugging Face tokenizer: the same ids for texts of every kind (ASCII, accents, CJK, emoji, runs of white
 * space, digits, special tokens; as a prompt and as plain text), the same bytes for every id, the same BOS and
 * endings. For GPT-2 (vocab.json + merges.txt), Llama 3 and Qwen3 (tokenizer.json, byte-level), SentencePiece-style
 * tokenizer.json files (stories260K's and Llama 2's vocabularies), and Falcon's vocabulary behind its own
 * pre-tokenizers; llama.cpp's own vectors pass through the written files, and GPT-2's and Llama 2's keys are those of
 * llama.cpp's vocabulary files.
 */
class HuggingFaceTokenizerGgufTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Texts of every kind; each source adds its special tokens around "Hello" and " world". */
    private static final List<String> TEXTS = List.of(
            "Hello world",
            "The quick brown fox jumps over the lazy dog.",
            "caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00dcber stra\u00dfe \u00c5ngstr\u00f6m",
            "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \u4e2d\u6587 \ud55c\uad6d\uc5b4",
            "emoji \ud83e\udd99\ud83d\ude80 \ud83d\ude36\u200d\ud83c\udf2b\ufe0f \u2705",
            "  two before, three after   ",
            "tabs\tand\nnew lines\n\n\n  mixed \r\n",
            "1 12 123 1234 12345 3.14159 2024-01-01 0xFF",
            "it's 'RE you? I'LL see",
            "");

    @TempDir
    Path dir;

    @Test
    void gpt2sFilesAreGgmlVocabGpt2AndEncodeAsThemselves() throws IOException {
        Path folder = Gpt2Files.copyTo(dir.resolve("gpt2"));
        Files.writeString(folder.resolve("config.json"), "{\"bos_token_id\": 50256, \"eos_token_id\": 50256}");
        Path written = written(folder);
        assertSameTokenizer(folder, written, "<|endoftext|>");
        assertLlamaCppsKeys("gpt-2", written);
        assertVectors("gpt-2", written);
    }

    @ParameterizedTest
    @CsvSource({"llama3, <|begin_of_text|>, llama-bpe", "qwen3, <|im_start|>, qwen2"})
    void aTokenizerJsonGetsItsPreTokenizerAndChatTemplate(String name, String special, String pre)
            throws IOException {
        Path folder = TestFiles.shared("tokenizers/" + name);
        Path written = written(folder);
        assertSameTokenizer(folder, written, special);
        LlamaCppVocabulary v = vocabulary(written);
        assertEquals(pre, v.pre());
        assertEquals(LlamaCppVocabulary.TokenType.CONTROL, v.types()[v.tokens().indexOf(special)]);
        assertEquals(JSON.readTree(folder.resolve("tokenizer_config.json").toFile()).get("chat_template").asText(),
                v.chatTemplate().orElseThrow());
        assertVectors(pre, written);
    }

    @Test
    void falconsOwnPreTokenizersAreLlamaCppsFalcon() throws IOException {
        // they cut digits out of a character's bytes ("ス" holds B9, "¹" as a byte character), llama.cpp's
        // regexes do not: other pieces, which BPE joins into the same ids
        Path folder = Files.createDirectories(dir.resolve("falcon"));
        LlamaCppVocabFiles.falconTokenizerJson(folder);
        Path written = written(folder);
        assertEquals("falcon", vocabulary(written).pre());
        assertSameTokenizer(folder, written, "<|endoftext|>");
        assertVectors("falcon", written);
    }

    @Test
    void stories260KsSentencePieceTokenizerJson() throws IOException {
        Path folder = SentencePieceFiles.write(dir.resolve("tok512"), TestFiles.tok512(), 512,
                SentencePieceFiles.Style.LEGACY);
        SentencePieceFiles.writeLlamaTokenizerConfig(folder);
        assertSameTokenizer(folder, written(folder), "</s>");
    }

    @Test
    void llama2sSentencePieceTokenizerJsonIsGgmlVocabLlamaSpm() throws IOException {
        byte[] bin = Files.readAllBytes(TestFiles.shared("models/llama2-tokenizer/tokenizer.bin"));
        Path folder = SentencePieceFiles.write(dir.resolve("llama2"), bin, 32000, SentencePieceFiles.Style.LEGACY);
        SentencePieceFiles.writeLlamaTokenizerConfig(folder);
        Path written = written(folder);
        assertSameTokenizer(folder, written, "</s>");
        assertLlamaCppsKeys("llama-spm", written);
        assertVectors("llama-spm", written);
    }

    @Test
    void aMetaspaceTokenizerJsonDiffersOnlyWhereLlamaCppPutsASpace() throws IOException {
        Path folder = SentencePieceFiles.write(dir.resolve("metaspace"), TestFiles.tok512(), 512,
                SentencePieceFiles.Style.METASPACE);
        Tokenizer hf = Tokenizers.open(folder, 0);
        Tokenizer gguf = readBack(written(folder));
        for (String text : TEXTS) {
            if (!text.startsWith(" ")) {
                assertArrayEquals(hf.encode(text), gguf.encode(text), text);
            }
        }
        // llama.cpp puts a space before a text that starts with one, and before the text after an added token
        assertArrayEquals(hf.encode("  Hello", EncodeOptions.PLAIN_TEXT), gguf.encode(" Hello",
                EncodeOptions.PLAIN_TEXT));
        assertArrayEquals(hf.encode("<s> Hello"), gguf.encode("<s>Hello"));
    }

    /** {@return the GGUF file of the tokenizer keys written for the Hugging Face tokenizer of {@code folder}} */
    private Path written(Path folder) throws IOException {
        Path out = dir.resolve(folder.getFileName() + ".gguf");
        GgufOutput.write(out, GgufTokenizerMetadata.of(LlamaCppConverter.vocabulary(folder, 0)).keyValues(),
                List.of());
        return out;
    }

    private static LlamaCppVocabulary vocabulary(Path gguf) throws IOException {
        try (MappedFile file = MappedFile.open(gguf)) {
            return GgufTokenizer.vocabulary(file);
        }
    }

    private static Tokenizer readBack(Path gguf) throws IOException {
        try (MappedFile file = MappedFile.open(gguf)) {
            return GgufTokenizer.read(file, 0);
        }
    }

    /**
     * Asserts that the tokenizer read back from {@code gguf} is the Hugging Face one of {@code folder}, on
     * {@link #TEXTS} and on them with {@code special} around "Hello" and " world".
     */
    private static void assertSameTokenizer(Path folder, Path gguf, String special) throws IOException {
        Tokenizer hf = Tokenizers.open(folder, 0);
        Tokenizer ours = readBack(gguf);
        assertEquals(hf.vocabSize(), ours.vocabSize());
        assertEquals(hf.bosToken(), ours.bosToken());
        List<String> texts = new ArrayList<>(TEXTS);
        texts.add(special + "Hello" + special + " world" + special);
        for (String text : texts) {
            for (EncodeOptions options : new EncodeOptions[] {EncodeOptions.PROMPT, EncodeOptions.PLAIN_TEXT}) {
                int[] ids = hf.encode(text, options);
                assertArrayEquals(ids, ours.encode(text, options), text + " " + options);
                assertEquals(DecodedText.of(hf, ids), DecodedText.of(ours, ids), text);
            }
        }
        int word = hf.encode("Hello", EncodeOptions.PLAIN_TEXT)[0];
        for (int id = 0; id < hf.vocabSize(); id++) {
            assertEquals(hf.stopsGeneration(id), ours.stopsGeneration(id), "token " + id);
            assertArrayEquals(hf.decode(-1, id), ours.decode(-1, id), "token " + id);
            assertArrayEquals(hf.decode(word, id), ours.decode(word, id), "token " + id);
        }
    }

    /**
     * Asserts that {@code written} holds the vocabulary of llama.cpp's vocab file {@code vocab} (its scores aside): the
     * model, pre-tokenizer, tokens, types, merges, control tokens, and whether BOS and EOS are added where it says
     */
    private static void assertLlamaCppsKeys(String vocab, Path written) throws IOException {
        LlamaCppVocabulary ours = vocabulary(written);
        LlamaCppVocabulary llamaCpps = vocabulary(LlamaCppVocabFiles.file(vocab, ""));
        assertEquals(llamaCpps.model(), ours.model());
        assertEquals(llamaCpps.pre(), ours.pre());
        assertEquals(llamaCpps.tokens(), ours.tokens());
        assertArrayEquals(llamaCpps.types(), ours.types());
        assertEquals(llamaCpps.merges(), ours.merges());
        LlamaCppVocabulary.ControlTokens expected = llamaCpps.control();
        LlamaCppVocabulary.ControlTokens actual = ours.control();
        assertEquals(List.of(expected.bos(), expected.eos(), expected.eot(), expected.eom(), expected.unk()),
                List.of(actual.bos(), actual.eos(), actual.eot(), actual.eom(), actual.unk()));
        expected.addBos().ifPresent(add -> assertEquals(Optional.of(add), actual.addBos()));
        expected.addEos().ifPresent(add -> assertEquals(Optional.of(add), actual.addEos()));
    }

    /** Asserts that llama.cpp's vectors of {@code vocab} encode through the written file as llama.cpp encodes them. */
    private static void assertVectors(String vocab, Path gguf) throws IOException {
        Tokenizer tokenizer = readBack(gguf);
        List<String> failures = new ArrayList<>();
        for (LlamaCppVocabFiles.Vector v : LlamaCppVocabFiles.vectors(vocab)) {
            int[] ids = tokenizer.encode(v.text(), EncodeOptions.PLAIN_TEXT);
            if (!Arrays.equals(v.ids(), ids)) {
                failures.add("'" + v.text() + "': expected " + Arrays.toString(v.ids()) + ", got "
                        + Arrays.toString(ids));
            }
        }
        assertEquals(List.of(), failures, vocab);
    }
}
