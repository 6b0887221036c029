package dev.forwardpass.models.gguf;

import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.tokenizer.Llama2cTokenizer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code tokenizer.*} metadata a written GGUF file carries, from the source's tokenizer: another GGUF file's keys
 * copied byte for byte, or run.c's tokenizer written as ggml-org's stories260K.gguf has it, or none.
 */
public final class GgufTokenizerMetadata {
    /** No tokenizer: loading the file will need one given separately. */
    public static final GgufTokenizerMetadata NONE = new GgufTokenizerMetadata(new GgufKeyValues(), "none");

    // llama_token_type, as llama.cpp numbers it
    private static final int NORMAL = 1;
    private static final int UNKNOWN = 2;
    private static final int CONTROL = 3;
    private static final int BYTE = 6;
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
     * {@return run.c's tokenizer as llama.cpp's {@code llama} tokenizer model}, as llama.cpp's llama2.c converter
     * writes it: the pieces with SentencePiece's {@code ▁} for a space, {@code <s>} and {@code </s>} for BOS and EOS
     * (run.c's {@code "\n<s>\n"}), their scores, their types (unknown for id 0, control for BOS and EOS, byte for
     * {@code <0xXX>}, normal for the rest), BOS 1, EOS 2 and unknown 0
     */
    public static GgufTokenizerMetadata of(Llama2cTokenizer tokenizer) {
        int n = tokenizer.vocabSize();
        List<String> tokens = new ArrayList<>(n);
        float[] scores = new float[n];
        int[] types = new int[n];
        for (int id = 0; id < n; id++) {
            String piece = tokenizer.piece(id);
            boolean isByte = piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">");
            tokens.add(id == Llama2cTokenizer.BOS ? "<s>" : id == Llama2cTokenizer.EOS ? "</s>"
                    : piece.replace(' ', '\u2581'));
            scores[id] = tokenizer.score(id);
            types[id] = id == 0 ? UNKNOWN
                    : id == Llama2cTokenizer.BOS || id == Llama2cTokenizer.EOS ? CONTROL
                    : isByte ? BYTE : NORMAL;
        }
        GgufKeyValues pairs = new GgufKeyValues()
                .string("tokenizer.ggml.model", "llama")
                .strings("tokenizer.ggml.tokens", tokens)
                .float32s("tokenizer.ggml.scores", scores)
                .int32s("tokenizer.ggml.token_type", types)
                .uint32("tokenizer.ggml.unknown_token_id", 0)
                .uint32("tokenizer.ggml.bos_token_id", Llama2cTokenizer.BOS)
                .uint32("tokenizer.ggml.eos_token_id", Llama2cTokenizer.EOS)
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
