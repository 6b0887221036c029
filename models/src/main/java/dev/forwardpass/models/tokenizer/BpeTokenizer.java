package dev.forwardpass.models.tokenizer;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.OptionalInt;

/**
 * What the two BPE tokenizers share: a merge table ({@link BpeVocabulary}), the text pipeline that matches added
 * tokens and pre-tokenizes, the special tokens of the files, and each id's piece. They differ in what a symbol is (a
 * byte written as a character, or a Unicode character with byte fallback) and so in how a piece is split into
 * symbols and how a token is decoded.
 */
abstract sealed class BpeTokenizer implements Tokenizer permits ByteLevelBpeTokenizer, SentencePieceBpeTokenizer {
    final BpeVocabulary model;
    final TextPipeline pipeline;
    final SpecialTokens specials;
    /** (vocabSize,) the id's piece as the vocabulary spells it, an added token's text, or null. */
    final String[] pieces;
    /** (vocabSize,) whether the id is an added token. */
    final boolean[] added;
    private final int vocabSize;

    /** The ids run to the largest of the vocabulary's, the added tokens' and {@code modelVocabSize - 1}. */
    BpeTokenizer(BpeVocabulary model, TextPipeline pipeline, SpecialTokens specials, int modelVocabSize) {
        this.model = model;
        this.pipeline = pipeline;
        this.specials = specials;
        int maxId = model.maxId();
        for (AddedTokens.Token t : pipeline.added().tokens()) {
            maxId = Math.max(maxId, t.id());
        }
        this.vocabSize = Math.max(maxId + 1, modelVocabSize);
        this.pieces = new String[vocabSize];
        this.added = new boolean[vocabSize];
        model.ids().forEach((piece, id) -> pieces[id] = piece);
        for (AddedTokens.Token t : pipeline.added().tokens()) {
            pieces[t.id()] = t.content();
            added[t.id()] = true;
        }
    }

    /** {@return the BPE ids of one pre-tokenized piece} */
    abstract int[] encodePiece(String piece);

    // what LlamaCppConverter reads to write this tokenizer as llama.cpp's vocabulary
    BpeVocabulary model() {
        return model;
    }

    TextPipeline pipeline() {
        return pipeline;
    }

    SpecialTokens specials() {
        return specials;
    }

    /** {@return the number of ids: the larger of the tokenizer's and the model's vocabulary} */
    @Override
    public final int vocabSize() {
        return vocabSize;
    }

    /** {@return the ids of {@code text}, with the BOS and EOS that the tokenizer's files say to add, if asked to} */
    @Override
    public final int[] encode(String text, EncodeOptions options) {
        return pipeline.encode(text, options, specials, this::encodePiece);
    }

    @Override
    public final boolean stopsGeneration(int token) {
        return specials.isEos(token);
    }

    @Override
    public final OptionalInt bosToken() {
        return specials.bos() >= 0 ? OptionalInt.of(specials.bos()) : OptionalInt.empty();
    }

    @Override
    public final OptionalInt eosToken() {
        return specials.eos().length > 0 ? OptionalInt.of(specials.eos()[0]) : OptionalInt.empty();
    }

    /** {@return the piece of {@code token}}, after checking that the id is in the vocabulary */
    final String checkedPiece(int token) {
        checkArgument(token >= 0 && token < vocabSize, "token %s is outside the vocabulary of %s", token, vocabSize);
        return pieces[token];
    }
}
