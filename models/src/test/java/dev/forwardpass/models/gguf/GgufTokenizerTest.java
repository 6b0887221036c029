package dev.forwardpass.models.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.tokenizer.EncodeOptions;
import dev.forwardpass.models.tokenizer.Llama2cTokenizer;
import dev.forwardpass.models.tokenizer.LlamaCppVocabulary;
import dev.forwardpass.models.tokenizer.SentencePieceBpeTokenizer;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a GGUF file's tokenizer metadata: which tokenizer a file gets, the chat template, and malformed or
 * unsupported metadata refused with the file and the key named in one line.
 */
class GgufTokenizerTest {
    @TempDir
    Path dir;

    @Test
    void aLlama2cConversionGetsRunCsTokenizerAndEveryOtherLlamaVocabularyLlamaCpps() throws IOException {
        try (MappedFile stories = MappedFile.open(TestFiles.shared("models/stories260K/stories260K.gguf"))) {
            assertInstanceOf(Llama2cTokenizer.class, GgufTokenizer.read(stories, 512));
        }
        // Llama 2's vocabulary has run.c's ids too, but not the converter's marks
        Tokenizer llama2 = LlamaCppVocabFiles.tokenizer("llama-spm");
        assertInstanceOf(SentencePieceBpeTokenizer.class, llama2);
        assertTrue(llama2.stopsGeneration(2), "Llama 2 stops at EOS, where run.c's models stop at BOS");
    }

    @Test
    void theChatTemplateIsKept() throws IOException {
        try (MappedFile phi3 = MappedFile.open(LlamaCppVocabFiles.file("phi-3", ""));
                MappedFile gpt2 = MappedFile.open(LlamaCppVocabFiles.file("gpt-2", ""))) {
            LlamaCppVocabulary vocabulary = GgufTokenizer.vocabulary(phi3);
            assertTrue(vocabulary.chatTemplate().orElseThrow().contains("'<|assistant|>'"));
            assertEquals("llama", vocabulary.model());
            assertEquals(32064, vocabulary.tokens().size());
            assertFalse(GgufTokenizer.vocabulary(gpt2).chatTemplate().isPresent());
        }
    }

    /** A GPT-2 vocabulary over "ab": its byte characters and one merge. */
    private static GgufBytes ab(int metadataCount) {
        GgufBytes b = new GgufBytes().header(3, 0, metadataCount + 3).kv("tokenizer.ggml.model", "gpt2");
        b.string("tokenizer.ggml.tokens").u32(9).u32(8).u64(3).string("a").string("b").string("ab");
        return b.string("tokenizer.ggml.merges").u32(9).u32(8).u64(1).string("a b");
    }

    @Test
    void aVocabularyWithoutPreTokenizerOrBosIsReadAsLlamaCppReadsIt() throws IOException {
        // 0xFFFFFFFF is llama.cpp's "no token"; a missing tokenizer.ggml.pre means its "default"
        Tokenizer tokenizer = read(ab(1).kv("tokenizer.ggml.bos_token_id", 0xFFFFFFFFL).bytes());
        assertTrue(tokenizer.bosToken().isEmpty());
        assertArrayEquals(new int[] {2, 0}, tokenizer.encode("aba", EncodeOptions.PLAIN_TEXT));
    }

    @Test
    void anUnknownPreTokenizerIsRefusedWithTheSupportedOnes() {
        ModelFormatException e = readError(ab(1).kv("tokenizer.ggml.pre", "tekken").bytes());
        assertEquals("tokenizer.ggml.pre", e.field());
        assertTrue(e.getMessage().contains("pre-tokenizer 'tekken' is not supported (supported: default, gpt-2"),
                e.getMessage());
    }

    @Test
    void malformedMetadataNamesTheKey() {
        ModelFormatException type = readError(ab(1).string("tokenizer.ggml.token_type").u32(9).u32(5).u64(3).u32(1)
                .u32(1).u32(9).bytes());
        assertEquals("tokenizer.ggml.token_type", type.field());
        assertTrue(type.getMessage().contains("token 2 has type 9"), type.getMessage());
        ModelFormatException id = readError(ab(1).kv("tokenizer.ggml.eos_token_id", "ab").bytes());
        assertEquals("tokenizer.ggml.eos_token_id", id.field());
        assertTrue(id.getMessage().contains("must be an integer"), id.getMessage());
        ModelFormatException tokens = readError(new GgufBytes().header(3, 0, 1).kv("tokenizer.ggml.model", "gpt2")
                .bytes());
        assertEquals("tokenizer.ggml.tokens", tokens.field());
        assertTrue(tokens.getMessage().contains("missing"), tokens.getMessage());
        ModelFormatException scores = readError(ab(1).string("tokenizer.ggml.scores").u32(9).u32(8).u64(1)
                .string("x").bytes());
        assertEquals("tokenizer.ggml.scores", scores.field());
    }

    private Tokenizer read(byte[] bytes) throws IOException {
        try (MappedFile file = MappedFile.open(TestFiles.write(dir, "vocab.gguf", bytes))) {
            return GgufTokenizer.read(file, 0);
        }
    }

    private ModelFormatException readError(byte[] bytes) {
        Path path = TestFiles.write(dir, "vocab.gguf", bytes);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> {
            try (MappedFile file = MappedFile.open(path)) {
                GgufTokenizer.read(file, 0);
            }
        });
        assertTrue(e.getMessage().startsWith(path + ": field '"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e;
    }
}
