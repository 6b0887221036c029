package dev.forwardpass.models.gguf;

import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.tokenizer.Llama2cTokenizer;
import dev.forwardpass.models.tokenizer.LlamaCppConverter;
import dev.forwardpass.models.tokenizer.LlamaCppVocabulary;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code tokenizer.*} metadata a written GGUF file carries, from the source's tokenizer: another GGUF file's keys
 * copied byte for byte, or a vocabulary as llama.cpp reads it ({@link LlamaCppVocabulary}: a Hugging Face tokenizer as
 * {@link LlamaCppConverter} makes one, run.c's tokenizer as ggml-org's stories260K.gguf has it), or none.
 */
public final class GgufTokenizerMetadata {
    /** No tokenizer: loading the file will need one given separately. */
    public static final GgufTokenizerMetadata NONE = new GgufTokenizerMetadata(new GgufKeyValues(), "none");

    /** llama.cpp's "no such token" id, which stories260K.gguf gives its separator and padding. */
    private static final long NO_TOKEN = 0xFFFFFFFFL;

    private final GgufKeyValues keyValues;
    private final String description;

    private GgufTokenizerMetadata(GgufKeyValues keyValues, String description) {
        this.keyValues = keyValues;
        this.description = description;
    }

    /** {@return every {@code tokenizer.*} pair of the GGUF file {@code gguf}, as its bytes are} */
    public static GgufTokenizerMetadata copiedFrom(Path gguf) throws IOException {
        try (MappedFile file = MappedFile.open(gguf)) {
            GgufKeyValues pairs = new GgufKeyValues();
            for (Map.Entry<String, MemorySegment> pair : GgufFile.read(file).metadataBytes().entrySet()) {
                if (pair.getKey().startsWith("tokenizer.")) {
                    pairs.copy(pair.getKey(), pair.getValue());
                }
            }
            return new GgufTokenizerMetadata(pairs, pairs.count() == 0 ? "none (" + gguf.getFileName() + " has none)"
                    : pairs.count() + " tokenizer keys copied from " + gguf.getFileName());
        }
    }

    /**
     * {@return the keys of {@code vocabulary}}, in convert_hf_to_gguf.py's order: model, pre-tokenizer, tokens,
     * scores, types, merges, the control tokens the vocabulary names, whether BOS and EOS are added, whether a space
     * goes before the text, the chat template
     */
    public static GgufTokenizerMetadata of(LlamaCppVocabulary vocabulary) {
        GgufKeyValues pairs = new GgufKeyValues().string("tokenizer.ggml.model", vocabulary.model());
        if (vocabulary.pre() != null) {
            pairs.string("tokenizer.ggml.pre", vocabulary.pre());
        }
        pairs.strings("tokenizer.ggml.tokens", vocabulary.tokens());
        if (vocabulary.scores() != null) {
            pairs.float32s("tokenizer.ggml.scores", vocabulary.scores());
        }
        if (vocabulary.types() != null) {
            pairs.int32s("tokenizer.ggml.token_type",
                    Arrays.stream(vocabulary.types()).mapToInt(LlamaCppVocabulary.TokenType::ordinal).toArray());
        }
        if (!vocabulary.merges().isEmpty()) {
            pairs.strings("tokenizer.ggml.merges", vocabulary.merges());
        }
        LlamaCppVocabulary.ControlTokens control = vocabulary.control();
        tokenId(pairs, "tokenizer.ggml.bos_token_id", control.bos());
        tokenId(pairs, "tokenizer.ggml.eos_token_id", control.eos());
        tokenId(pairs, "tokenizer.ggml.eot_token_id", control.eot());
        tokenId(pairs, "tokenizer.ggml.eom_token_id", control.eom());
        tokenId(pairs, "tokenizer.ggml.unknown_token_id", control.unk());
        control.addBos().ifPresent(add -> pairs.bool("tokenizer.ggml.add_bos_token", add));
        control.addEos().ifPresent(add -> pairs.bool("tokenizer.ggml.add_eos_token", add));
        vocabulary.addSpacePrefix().ifPresent(add -> pairs.bool("tokenizer.ggml.add_space_prefix", add));
        vocabulary.chatTemplate().ifPresent(template -> pairs.string("tokenizer.chat_template", template));
        return new GgufTokenizerMetadata(pairs, vocabulary.model() + ", " + vocabulary.tokens().size() + " tokens"
                + (vocabulary.merges().isEmpty() ? "" : ", pre-tokenizer " + vocabulary.pre()) // byte-level BPE
                + (vocabulary.chatTemplate().isPresent() ? ", chat template" : ""));
    }

    private static void tokenId(GgufKeyValues pairs, String key, int id) {
        if (id >= 0) {
            pairs.uint32(key, id);
        }
    }

    /**
     * {@return run.c's tokenizer as llama.cpp's {@code llama} tokenizer model}, as llama.cpp's llama2.c converter
     * writes it: the pieces with SentencePiece's {@code ▁} for a space, {@code <s>} and {@code </s>} for BOS and EOS
     * (run.c's {@code "\n<s>\n"}), their scores, their types (unknown for id 0, control for BOS and EOS, byte for
     * {@code <0xXX>}, normal for the rest), BOS 1, EOS 2, unknown 0, and no separator or padding
     */
    public static GgufTokenizerMetadata of(Llama2cTokenizer tokenizer) {
        int n = tokenizer.vocabSize();
        List<String> tokens = new ArrayList<>(n);
        float[] scores = new float[n];
        LlamaCppVocabulary.TokenType[] types = new LlamaCppVocabulary.TokenType[n];
        for (int id = 0; id < n; id++) {
            String piece = tokenizer.piece(id);
            boolean isByte = piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">");
            tokens.add(id == Llama2cTokenizer.BOS ? "<s>" : id == Llama2cTokenizer.EOS ? "</s>"
                    : piece.replace(' ', '\u2581'));
            scores[id] = tokenizer.score(id);
            types[id] = id == 0 ? LlamaCppVocabulary.TokenType.UNKNOWN
                    : id == Llama2cTokenizer.BOS || id == Llama2cTokenizer.EOS ? LlamaCppVocabulary.TokenType.CONTROL
                    : isByte ? LlamaCppVocabulary.TokenType.BYTE : LlamaCppVocabulary.TokenType.NORMAL;
        }
        LlamaCppVocabulary vocabulary = new LlamaCppVocabulary("run.c's tokenizer", "llama", null, tokens, scores,
                types, List.of(), new LlamaCppVocabulary.ControlTokens(Llama2cTokenizer.BOS, Llama2cTokenizer.EOS, -1,
                        -1, 0, Optional.empty(), Optional.empty()), Optional.empty(), Optional.empty());
        GgufKeyValues pairs = of(vocabulary).keyValues
                .uint32("tokenizer.ggml.seperator_token_id", NO_TOKEN)      // sic: llama.cpp's spelling
                .uint32("tokenizer.ggml.padding_token_id", NO_TOKEN);
        return new GgufTokenizerMetadata(pairs, "llama, " + n + " tokens (run.c's tokenizer)");
    }

    /** {@return what the metadata is, for messages} */
    public String description() {
        return description;
    }

    GgufKeyValues keyValues() {
        return keyValues;
    }
}
