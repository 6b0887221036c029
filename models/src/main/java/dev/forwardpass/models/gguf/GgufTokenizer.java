package dev.forwardpass.models.gguf;

import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.tokenizer.Llama2cTokenizer;
import dev.forwardpass.models.tokenizer.LlamaCppVocabulary;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The tokenizer a GGUF file carries in its {@code tokenizer.ggml.*} metadata, read as llama.cpp reads it
 * ({@link LlamaCppVocabulary}: {@code llama} SentencePiece vocabularies and {@code gpt2} byte-level BPE with the
 * pre-tokenizer {@code tokenizer.ggml.pre} names), and {@code tokenizer.chat_template}.
 *
 * <p>One exception: a llama2.c checkpoint converted by llama.cpp's {@code convert-llama2c-to-ggml} (stories260K.gguf)
 * is read with run.c's tokenizer, the program its model was made for. The converter marks it: {@code general.name}
 * "llama", separator and padding ids written as 0xFFFFFFFF (llama.cpp's "no token"), and run.c's ids (BOS 1, EOS 2,
 * {@code <0x00>..<0xFF>} at 3..258). Its pieces are read with SentencePiece's {@code ▁} as a space, and BOS and EOS
 * written {@code "\n<s>\n"} and {@code "\n</s>\n"} as llama2.c's export does.
 */
public final class GgufTokenizer {
    /** llama.cpp's LLAMA_TOKEN_NULL (-1) as a uint32 id. */
    private static final long NO_TOKEN = 0xFFFFFFFFL;
    /** The {@code tokenizer.ggml.model} of SentencePiece vocabularies, and the converter's {@code general.name}. */
    private static final String LLAMA = "llama";

    private GgufTokenizer() {}

    /**
     * {@return the tokenizer in the metadata of the GGUF file {@code file}, for a model of {@code vocabSize} ids} (0: a
     * vocabulary-only file); the tokenizer copies what it needs, so the file may be closed afterwards
     */
    public static Tokenizer read(MappedFile file, int vocabSize) throws ModelFormatException {
        GgufMetadata m = new GgufMetadata(file.source(), GgufFile.read(file).metadata());
        return isLlama2cConversion(m) ? llama2c(m, vocabSize) : vocabulary(m, file.source()).tokenizer(vocabSize);
    }

    /** {@return what the GGUF file {@code file} says about its tokenizer, chat template included} */
    public static LlamaCppVocabulary vocabulary(MappedFile file) throws ModelFormatException {
        return vocabulary(new GgufMetadata(file.source(), GgufFile.read(file).metadata()), file.source());
    }

    private static LlamaCppVocabulary vocabulary(GgufMetadata m, String source) throws ModelFormatException {
        if (!m.has("tokenizer.ggml.model") && !m.has("tokenizer.ggml.tokens")) {
            throw m.error("tokenizer.ggml.model", "the file holds no tokenizer: pass --tokenizer");
        }
        List<?> tokens = m.list("tokenizer.ggml.tokens", String.class);
        float[] scores = null;
        if (m.has("tokenizer.ggml.scores")) {
            List<?> list = m.list("tokenizer.ggml.scores", Number.class);
            scores = new float[list.size()];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = ((Number) list.get(i)).floatValue();
            }
        }
        LlamaCppVocabulary.TokenType[] types = null;
        if (m.has("tokenizer.ggml.token_type")) {
            List<?> list = m.list("tokenizer.ggml.token_type", Long.class);
            LlamaCppVocabulary.TokenType[] all = LlamaCppVocabulary.TokenType.values();
            types = new LlamaCppVocabulary.TokenType[list.size()];
            for (int i = 0; i < types.length; i++) {
                long type = (Long) list.get(i);
                if (type < 0 || type >= all.length) {
                    throw m.error("tokenizer.ggml.token_type", "token " + i + " has type " + type + " (llama.cpp's "
                            + "types are 0 to " + (all.length - 1) + ")");
                }
                types[i] = all[(int) type];
            }
        }
        List<?> merges = m.has("tokenizer.ggml.merges") ? m.list("tokenizer.ggml.merges", String.class) : List.of();
        LlamaCppVocabulary.ControlTokens control = new LlamaCppVocabulary.ControlTokens(
                tokenId(m, "tokenizer.ggml.bos_token_id"), tokenId(m, "tokenizer.ggml.eos_token_id"),
                tokenId(m, "tokenizer.ggml.eot_token_id"), tokenId(m, "tokenizer.ggml.eom_token_id"),
                tokenId(m, "tokenizer.ggml.unknown_token_id"), m.bool("tokenizer.ggml.add_bos_token"),
                m.bool("tokenizer.ggml.add_eos_token"));
        return new LlamaCppVocabulary(source, m.string("tokenizer.ggml.model"),
                m.stringOr("tokenizer.ggml.pre", null), strings(tokens), scores, types, strings(merges), control,
                m.bool("tokenizer.ggml.add_space_prefix"),
                Optional.ofNullable(m.stringOr("tokenizer.chat_template", null)));
    }

    /** {@return the token id at {@code key}, or -1 when the file names none (no key, or llama.cpp's -1)} */
    private static int tokenId(GgufMetadata m, String key) throws ModelFormatException {
        OptionalLong id = m.integer(key);
        if (id.isEmpty() || id.getAsLong() == NO_TOKEN || id.getAsLong() == -1) {
            return -1;
        }
        if (id.getAsLong() < 0 || id.getAsLong() > Integer.MAX_VALUE) {
            throw m.error(key, "must be a token id, found " + id.getAsLong());
        }
        return (int) id.getAsLong();
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(List<?> checked) {
        return (List<String>) checked;
    }

    /** {@return whether {@code m} is a llama2.c checkpoint's vocabulary, as convert-llama2c-to-ggml writes it} */
    private static boolean isLlama2cConversion(GgufMetadata m) throws ModelFormatException {
        if (!LLAMA.equals(m.stringOr("tokenizer.ggml.model", null))
                || !LLAMA.equals(m.stringOr("general.name", null))
                || m.integer("tokenizer.ggml.seperator_token_id").orElse(0) != NO_TOKEN
                || m.integer("tokenizer.ggml.padding_token_id").orElse(0) != NO_TOKEN
                || m.integer("tokenizer.ggml.bos_token_id").orElse(Llama2cTokenizer.BOS) != Llama2cTokenizer.BOS
                || m.integer("tokenizer.ggml.eos_token_id").orElse(Llama2cTokenizer.EOS) != Llama2cTokenizer.EOS) {
            return false;
        }
        List<?> tokens = m.list("tokenizer.ggml.tokens", String.class);
        return tokens.size() >= 3 + 256 && "<0x00>".equals(tokens.get(3)) && "<0xFF>".equals(tokens.get(3 + 255));
    }

    /** {@return run.c's tokenizer of a llama2.c checkpoint's vocabulary} */
    private static Tokenizer llama2c(GgufMetadata m, int vocabSize) throws ModelFormatException {
        List<?> tokens = m.list("tokenizer.ggml.tokens", String.class);
        List<?> scores = m.list("tokenizer.ggml.scores", Double.class);
        int n = vocabSize > 0 ? vocabSize : tokens.size();
        if (tokens.size() != n || scores.size() != n) {
            throw m.error("tokenizer.ggml.tokens", tokens.size() + " tokens and " + scores.size() + " scores for a "
                    + "model of " + n);
        }
        String[] pieces = new String[n];
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            String piece = i == Llama2cTokenizer.BOS ? "\n<s>\n"
                    : i == Llama2cTokenizer.EOS ? "\n</s>\n"
                    : ((String) tokens.get(i)).replace('\u2581', ' ');
            pieces[i] = new String(piece.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            values[i] = ((Double) scores.get(i)).floatValue();
        }
        return Llama2cTokenizer.of(pieces, values);
    }
}
