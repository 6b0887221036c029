package dev.forwardpass.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.tokenizer.LlamaCppVocabulary.TokenType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a Hugging Face tokenizer becomes as llama.cpp's vocabulary: the pre-tokenizer told by what it does, token types,
 * scores that rank SentencePiece merges, padding, control tokens and the chat template, and what cannot be written.
 * That llama.cpp's tokenizer of the result encodes as Hugging Face's is tested with the GGUF files written from it.
 */
class LlamaCppConverterTest {
    @TempDir
    Path dir;

    @Test
    void theProbesTellEveryLlamaCppPreTokenizerApart() {
        LlamaCppPreTokenizer[] all = LlamaCppPreTokenizer.values();
        for (int a = 0; a < all.length; a++) {
            for (int b = a + 1; b < all.length; b++) {
                LlamaCppPreTokenizer x = all[a];
                LlamaCppPreTokenizer y = all[b];
                assertTrue(LlamaCppConverter.PROBES.stream().anyMatch(probe -> !x.preTokenizer.split(probe, true)
                        .equals(y.preTokenizer.split(probe, true))), x + " and " + y + " cut every probe alike");
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"GPT2, gpt-2", "LLAMA3, llama-bpe", "QWEN2, qwen2"})
    void gpt2sVocabularyBehindEachSplitGetsThatPreTokenizer(Gpt2Files.Flavour flavour, String pre) throws IOException {
        LlamaCppVocabulary v = LlamaCppConverter.vocabulary(Gpt2Files.writeTokenizerJson(dir, flavour), 0);
        assertEquals("gpt2", v.model());
        assertEquals(pre, v.pre());
        assertEquals(50257, v.tokens().size());
        assertEquals(50000, v.merges().size());
        assertEquals("\u0120 t", v.merges().getFirst());
        assertEquals(TokenType.CONTROL, v.types()[50256]);
        assertEquals(TokenType.NORMAL, v.types()[50255]);
        assertNull(v.scores());
        assertEquals(Optional.empty(), v.addSpacePrefix());
        // GPT-2's <|endoftext|>, as the tokenizer.json's default: BOS and EOS, added by neither
        assertEquals(new LlamaCppVocabulary.ControlTokens(50256, 50256, -1, -1, -1, Optional.of(false),
                Optional.of(false)), v.control());
    }

    @Test
    void anAddedTokenThatIsNotSpecialIsUserDefined() throws IOException {
        // matched in any text, as Hugging Face matches it, though it looks like a control token
        Gpt2Files.writeTokenizerJson(dir, Gpt2Files.Flavour.QWEN2);
        Path json = dir.resolve("tokenizer.json");
        Files.writeString(json, Files.readString(json).replace("\"added_tokens\":[", "\"added_tokens\":[{\"id\":50257,"
                + "\"content\":\"<|fim_pad|>\",\"special\":false},"));
        LlamaCppVocabulary v = LlamaCppConverter.vocabulary(dir, 0);
        assertEquals(50258, v.tokens().size());
        assertEquals("<|fim_pad|>", v.tokens().get(50257));
        assertEquals(TokenType.USER_DEFINED, v.types()[50257]);
        assertEquals(TokenType.CONTROL, v.types()[50256]);
        assertEquals(50257, v.tokenizer(0).encode("a<|fim_pad|>", EncodeOptions.PLAIN_TEXT)[1]);
    }

    @Test
    void aSplitLlamaCppDoesNotKnowIsRefused() throws IOException {
        // GPT-2's split with a space put before each text (RoBERTa's ByteLevel): no llama.cpp pre-tokenizer does that
        Gpt2Files.writeTokenizerJson(dir, Gpt2Files.Flavour.GPT2);
        Path json = dir.resolve("tokenizer.json");
        Files.writeString(json, Files.readString(json).replace("\"add_prefix_space\":false,\"trim_offsets\":true,"
                + "\"use_regex\":true}", "\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true}"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> LlamaCppConverter.vocabulary(dir, 0));
        assertEquals("pre_tokenizer", e.field());
        assertTrue(e.getMessage().contains("gives other ids than each of llama.cpp's pre-tokenizers does (default, "
                + "gpt-2, llama-bpe"), e.getMessage());
    }

    @Test
    void sentencePieceGetsTypesScoresAndItsSpacePrefix() throws IOException {
        Path folder = SentencePieceFiles.write(dir, TestFiles.tok512(), 512, SentencePieceFiles.Style.LEGACY);
        SentencePieceFiles.writeLlamaTokenizerConfig(folder);
        LlamaCppVocabulary v = LlamaCppConverter.vocabulary(folder, 0);
        assertEquals("llama", v.model());
        assertEquals("default", v.pre());
        assertEquals(List.of("<unk>", "<s>", "</s>", "<0x00>"), v.tokens().subList(0, 4));
        assertEquals(TokenType.UNKNOWN, v.types()[0]);
        assertEquals(TokenType.CONTROL, v.types()[1]);
        assertEquals(TokenType.CONTROL, v.types()[2]);
        assertEquals(TokenType.BYTE, v.types()[3]);
        assertEquals(TokenType.BYTE, v.types()[258]);
        assertEquals(TokenType.NORMAL, v.types()[259]);
        assertEquals(List.of(), v.merges());
        assertEquals(Optional.of(true), v.addSpacePrefix());
        assertEquals(new LlamaCppVocabulary.ControlTokens(1, 2, -1, -1, 0, Optional.of(true), Optional.of(false)),
                v.control());
        // a piece scores minus the rank of its first merge, better pieces higher; one no merge makes, lowest
        Tokenizer hf = Tokenizers.open(folder, 0);
        BpeMerges merges = ((SentencePieceBpeTokenizer) hf).model().merges();
        List<int[]> ranked = merges.inRankOrder();
        int best = ranked.getFirst()[2];
        assertEquals(0f, v.scores()[best]);
        assertTrue(v.scores()[ranked.getLast()[2]] < v.scores()[best]);
        int single = v.tokens().indexOf("a");
        assertEquals(-ranked.size(), v.scores()[single]);
        assertEquals(0f, v.scores()[3], "a byte token scores 0, as in SentencePiece");
        assertEquals(Optional.of(true),
                LlamaCppConverter.vocabulary(SentencePieceFiles.write(dir.resolve("metaspace"), TestFiles.tok512(),
                        512, SentencePieceFiles.Style.METASPACE), 0).addSpacePrefix());
    }

    @Test
    void idsUpToTheModelsVocabularyArePadding() throws IOException {
        Path folder = SentencePieceFiles.write(dir, TestFiles.tok512(), 512, SentencePieceFiles.Style.LEGACY);
        LlamaCppVocabulary v = LlamaCppConverter.vocabulary(folder, 515);
        assertEquals(515, v.tokens().size());
        assertEquals(List.of("[PAD512]", "[PAD513]", "[PAD514]"), v.tokens().subList(512, 515));
        assertEquals(TokenType.UNUSED, v.types()[514]);
        Tokenizer readBack = v.tokenizer(515);
        assertEquals(0, readBack.decode(-1, 513).length, "padding prints nothing");
        assertTrue(Arrays.stream(readBack.encode("[PAD513]")).noneMatch(id -> id >= 512), "no text gives padding");
    }

    @Test
    void endingsBeyondEosGoToEotAndEom() throws IOException {
        Gpt2Files.writeTokenizerJson(dir, Gpt2Files.Flavour.GPT2);
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [50256, 13, 198]}");
        LlamaCppVocabulary.ControlTokens control = LlamaCppConverter.vocabulary(dir, 0).control();
        assertEquals(50256, control.eos());
        assertEquals(13, control.eot());
        assertEquals(198, control.eom());
        assertEquals(50256, control.bos());
    }

    @Test
    void aTemplateOfTwoTokensBeforeTheTextIsRefused() throws IOException {
        Gpt2Files.writeTokenizerJson(dir, Gpt2Files.Flavour.GPT2);
        Path json = dir.resolve("tokenizer.json");
        Files.writeString(json, Files.readString(json).replaceFirst("\"post_processor\":\\{[^}]*}",
                "\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"a\"}},"
                        + "{\"SpecialToken\":{\"id\":\"b\"}},{\"Sequence\":{\"id\":\"A\"}}],\"special_tokens\":{}}"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> LlamaCppConverter.vocabulary(dir, 0));
        assertEquals("post_processor", e.field());
        assertTrue(e.getMessage().contains("puts [64, 65] before the text"), e.getMessage());
    }

    @Test
    void theChatTemplateComesFromTheConfigOrItsOwnFile() throws IOException {
        Path folder = Gpt2Files.copyTo(dir);
        assertEquals(Optional.empty(), LlamaCppConverter.vocabulary(folder, 0).chatTemplate());
        Files.writeString(folder.resolve("chat_template.jinja"), "{{ messages }}");
        assertEquals(Optional.of("{{ messages }}"), LlamaCppConverter.vocabulary(folder, 0).chatTemplate());
        Files.writeString(folder.resolve("tokenizer_config.json"), """
                {"chat_template": [{"name": "tool_use", "template": "{{ tools }}"},
                                   {"name": "default", "template": "{{ bos_token }}"}]}""");
        assertEquals(Optional.of("{{ bos_token }}"), LlamaCppConverter.vocabulary(folder, 0).chatTemplate());
        Files.writeString(folder.resolve("tokenizer_config.json"), "{\"chat_template\": \"{{ eos_token }}\"}");
        assertEquals(Optional.of("{{ eos_token }}"), LlamaCppConverter.vocabulary(folder, 0).chatTemplate());
    }

    @Test
    void runCsTokenizerIsNotAHuggingFaceOne() {
        Path bin = TestFiles.write(dir, "tok512.bin", TestFiles.tok512());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LlamaCppConverter.vocabulary(bin, 512));
        assertTrue(e.getMessage().contains("is not a Hugging Face tokenizer"), e.getMessage());
    }
}
