package dev.forwardpass.models.gguf;

import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.tokenizer.Llama2cTokenizer;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The tokenizer a GGUF file carries in its metadata. {@code tokenizer.ggml.model} {@code llama} (SentencePiece
 * pieces with scores, as llama2.c's models have) is read into run.c's tokenizer: its pieces with SentencePiece's
 * {@code ▁} as a space, and BOS and EOS written {@code "\n<s>\n"} and {@code "\n</s>\n"} as llama2.c's export does.
 * That tokenizer assumes run.c's ids (BOS 1, EOS 2, byte tokens from 3), which are checked; other tokenizer models
 * ({@code gpt2} merges) are refused with a message.
 */
public final class GgufTokenizer {
    private GgufTokenizer() {}

    /**
     * {@return the tokenizer in the metadata of the GGUF file {@code file}, for a model of {@code vocabSize}}; the
     * tokenizer copies what it needs, so the file may be closed afterwards
     */
    public static Tokenizer read(MappedFile file, int vocabSize) throws ModelFormatException {
        GgufMetadata m = new GgufMetadata(file.source(), GgufFile.read(file).metadata());
        String model = m.string("tokenizer.ggml.model");
        if (!model.equals("llama")) {
            throw m.error("tokenizer.ggml.model", "tokenizer model '" + model + "' is not read yet (supported: "
                    + "llama); pass --tokenizer");
        }
        List<?> tokens = m.list("tokenizer.ggml.tokens", String.class);
        List<?> scores = m.list("tokenizer.ggml.scores", Double.class);
        if (tokens.size() != vocabSize || scores.size() != vocabSize) {
            throw m.error("tokenizer.ggml.tokens", tokens.size() + " tokens and " + scores.size() + " scores for a "
                    + "model of " + vocabSize);
        }
        checkId(m, "tokenizer.ggml.bos_token_id", Llama2cTokenizer.BOS);
        checkId(m, "tokenizer.ggml.eos_token_id", Llama2cTokenizer.EOS);
        if (vocabSize < 3 + 256 || !"<0x00>".equals(tokens.get(3)) || !"<0xFF>".equals(tokens.get(3 + 255))) {
            throw m.error("tokenizer.ggml.tokens", "run.c's tokenizer needs the byte tokens <0x00>..<0xFF> at ids "
                    + "3..258; pass --tokenizer");
        }
        String[] pieces = new String[vocabSize];
        float[] values = new float[vocabSize];
        for (int i = 0; i < vocabSize; i++) {
            String piece = i == Llama2cTokenizer.BOS ? "\n<s>\n"
                    : i == Llama2cTokenizer.EOS ? "\n</s>\n"
                    : ((String) tokens.get(i)).replace('\u2581', ' ');
            pieces[i] = new String(piece.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            values[i] = ((Double) scores.get(i)).floatValue();
        }
        return Llama2cTokenizer.of(pieces, values);
    }

    private static void checkId(GgufMetadata m, String key, int expected) throws ModelFormatException {
        int id = m.positiveIntOr(key, expected, Integer.MAX_VALUE);
        if (id != expected) {
            throw m.error(key, "run.c's tokenizer needs " + expected + ", found " + id + "; pass --tokenizer");
        }
    }
}
