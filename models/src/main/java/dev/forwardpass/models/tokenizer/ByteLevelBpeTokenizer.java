package dev.forwardpass.models.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Byte-level BPE, as GPT-2, Llama 3 and Qwen2 tokenize (OpenAI's {@code encoder.py}, Hugging Face's ByteLevel
 * pre-tokenizer): added tokens are matched first; the rest is normalized, cut into pieces by a regex (GPT-2's, the
 * one tokenizer.json gives, or those a GGUF file's {@code tokenizer.ggml.pre} names: Llama 3's and Qwen2's differ in
 * how they group digits and punctuation); each piece's UTF-8 bytes are written as characters ({@link ByteLevel}) and
 * merged by rank. Every byte has a token, so any text encodes, and decoding gives back its exact bytes (a token may
 * end in the middle of a UTF-8 sequence: the bytes are returned as they are, never decoded here).
 *
 * <p>Whether {@link #encode} adds a BOS comes from the files: GPT-2's tokenizer adds none, as Hugging Face's does not;
 * Llama 3's tokenizer.json adds {@code <|begin_of_text|>}. Generation stops at any EOS id of the configs.
 * Instances are immutable and thread-safe; load them with {@link Tokenizers#open} or from a GGUF file.
 */
public final class ByteLevelBpeTokenizer extends BpeTokenizer {
    /** {@code pipeline}'s pre-tokenizer ends with the bytes as characters ({@link TextPipeline#BYTE_CHARACTERS}). */
    ByteLevelBpeTokenizer(BpeVocabulary model, TextPipeline pipeline, SpecialTokens specials, int modelVocabSize) {
        super(model, pipeline, specials, modelVocabSize);
    }

    /** {@return the BPE ids of one pre-tokenized piece, already in byte-level characters} */
    @Override
    int[] encodePiece(String chars) {
        List<int[]> symbols = new ArrayList<>(chars.length());
        for (int i = 0; i < chars.length(); i++) {
            Integer id = model.ids().get(String.valueOf(chars.charAt(i)));
            symbols.add(new int[] {id == null ? -1 : id});
        }
        return model.encode(chars, symbols);
    }

    /** {@return the exact bytes of {@code token}} (an added token gives its text; {@code previous} is not needed) */
    @Override
    public byte[] decode(int previous, int token) {
        String piece = checkedPiece(token);
        if (piece == null) {
            return new byte[0];     // an id the model has but the tokenizer does not (vocabulary padding)
        }
        return added[token] ? piece.getBytes(StandardCharsets.UTF_8) : ByteLevel.decode(piece);
    }

    /** {@return the text of {@code token}; bytes that are not whole UTF-8 characters show as U+FFFD} */
    @Override
    public String piece(int token) {
        return new String(decode(-1, token), StandardCharsets.UTF_8);
    }
}
