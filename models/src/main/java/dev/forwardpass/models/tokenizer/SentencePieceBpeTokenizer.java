package dev.forwardpass.models.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SentencePiece-style BPE as Hugging Face's tokenizer.json writes it for Llama 2 and TinyLlama, and as llama.cpp
 * reads a GGUF file's {@code llama} vocabulary (merges from its scores, {@link LlamaCppVocabulary}): spaces become
 * {@code ▁} and a {@code ▁} is prepended to the text (a Prepend/Replace normalizer or a Metaspace pre-tokenizer),
 * the symbols are Unicode characters, and a character that is not in the vocabulary falls back to its UTF-8 bytes as
 * {@code <0xXX>} tokens. Decoding turns {@code ▁} back into spaces, byte tokens into their byte, and drops the space
 * that the prepended {@code ▁} put at the start (after BOS), as Hugging Face's Strip decoder does.
 *
 * <p>Instances are immutable and thread-safe; load them with {@link Tokenizers#open} or from a GGUF file.
 */
public final class SentencePieceBpeTokenizer extends BpeTokenizer {
    private final String spaceSymbol;          // "▁"
    private final boolean stripsLeadingSpace;  // whether the pipeline prepends a spaceSymbol that decoding removes
    private final int[] byteOf;                // (vocabSize,) the byte of a <0xXX> token, else -1

    SentencePieceBpeTokenizer(BpeVocabulary model, TextPipeline pipeline, SpecialTokens specials, String spaceSymbol,
            boolean stripsLeadingSpace, int modelVocabSize) {
        super(model, pipeline, specials, modelVocabSize);
        this.spaceSymbol = spaceSymbol;
        this.stripsLeadingSpace = stripsLeadingSpace;
        this.byteOf = new int[vocabSize()];
        Arrays.fill(byteOf, -1);
        if (model.byteTokens() != null) {
            for (int b = 0; b < 256; b++) {
                byteOf[model.byteTokens()[b]] = b;
            }
        }
        for (AddedTokens.Token t : pipeline.added().tokens()) {
            byteOf[t.id()] = -1;
        }
    }

    /** {@return the BPE ids of one piece: one symbol per character, or its bytes when the vocabulary lacks it} */
    @Override
    int[] encodePiece(String piece) {
        List<int[]> symbols = new ArrayList<>(piece.length());
        for (int i = 0; i < piece.length(); ) {
            int cp = piece.codePointAt(i);
            String ch = piece.substring(i, i + Character.charCount(cp));
            Integer id = model.ids().get(ch);
            if (id != null) {
                symbols.add(new int[] {id});
            } else if (model.byteTokens() != null) {
                byte[] utf8 = ch.getBytes(StandardCharsets.UTF_8);
                int[] bytes = new int[utf8.length];
                for (int j = 0; j < utf8.length; j++) {
                    bytes[j] = model.byteTokens()[utf8[j] & 0xFF];
                }
                symbols.add(bytes);
            } else {
                symbols.add(new int[] {-1});
            }
            i += ch.length();
        }
        return model.encode(piece, symbols);
    }

    /**
     * {@return the bytes of {@code token}}: a byte token gives its byte, a piece its text with {@code ▁} as spaces,
     * less the leading space of the first piece (after BOS, or with no previous token: {@code previous < 0}).
     */
    @Override
    public byte[] decode(int previous, int token) {
        String piece = checkedPiece(token);
        if (piece == null) {
            return new byte[0];     // an id the model has but the tokenizer does not (vocabulary padding)
        }
        if (added[token]) {
            return piece.getBytes(StandardCharsets.UTF_8);
        }
        if (byteOf[token] >= 0) {
            return new byte[] {(byte) byteOf[token]};
        }
        String text = piece.replace(spaceSymbol, " ");
        if (stripsLeadingSpace && (previous < 0 || previous == specials.bos()) && text.startsWith(" ")) {
            text = text.substring(1);
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** {@return the piece of {@code token} with {@code ▁} shown as a space ({@code <0xXX>} tokens as they are)} */
    @Override
    public String piece(int token) {
        String piece = checkedPiece(token);
        return piece == null ? "" : added[token] ? piece : piece.replace(spaceSymbol, " ");
    }
}
