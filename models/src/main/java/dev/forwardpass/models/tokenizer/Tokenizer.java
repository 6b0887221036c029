package dev.forwardpass.models.tokenizer;

import java.util.OptionalInt;

/**
 * Turns text into token ids and ids back into bytes, following the rules of the program the model was made for
 * (llama2.c's run.c for its {@code .bin} tokenizers, Hugging Face's tokenizers for tokenizer.json and GPT-2's
 * vocab.json + merges.txt, llama.cpp's for the vocabulary in a GGUF file). {@link Tokenizers#open} loads the files,
 * {@code GgufTokenizer} a GGUF file's vocabulary ({@link LlamaCppVocabulary}).
 */
public interface Tokenizer {

    /** {@return the number of tokens} */
    int vocabSize();

    /**
     * {@return the ids of a prompt, with the beginning-of-sequence token where this tokenizer's rules add one and the
     * control tokens written in it parsed} ({@link EncodeOptions#PROMPT})
     */
    default int[] encode(String text) {
        return encode(text, EncodeOptions.PROMPT);
    }

    /**
     * {@return the ids of {@code text}} {@code options} say whether the BOS (and EOS) of this tokenizer's rules are
     * added and whether control tokens written in the text are parsed as such ({@link EncodeOptions#PROMPT}), or
     * neither ({@link EncodeOptions#PLAIN_TEXT}, as llama.cpp's tokenizer tests encode).
     */
    int[] encode(String text, EncodeOptions options);

    /**
     * {@return the bytes to print for {@code token} when it follows {@code previous}} (raw bytes, possibly part
     * of a UTF-8 sequence; empty for a token that prints nothing)
     */
    byte[] decode(int previous, int token);

    /**
     * {@return the bytes of {@code token}'s text when it follows {@code previous}}: what {@link #decode} returns,
     * without the rules of a program's printing (run.c's {@code safe_printf} drops a lone byte it deems unprintable,
     * which would lose a character spelled in byte-fallback tokens). Text streams are made of these.
     */
    default byte[] textBytes(int previous, int token) {
        return decode(previous, token);
    }

    /** {@return whether generation stops when this token is produced} */
    boolean stopsGeneration(int token);

    /** {@return the text of one token for display (e.g. in {@code logits}), not for printing a stream} */
    String piece(int token);

    /**
     * {@return the beginning-of-sequence token, if this tokenizer has one} It is where a generation from an empty
     * prompt starts, and it prints nothing when it starts a prompt. Whether {@link #encode} adds it is the
     * tokenizer's own rule: llama2.c's always does; GPT-2's has one ({@code <|endoftext|>}) but never adds it.
     */
    default OptionalInt bosToken() {
        return OptionalInt.empty();
    }

    /**
     * {@return the end-of-sequence token its files name first, if it has one} (Hugging Face's {@code eos_token},
     * llama.cpp's {@code tokenizer.ggml.eos_token_id}): the one a chat template writes as {@code eos_token}.
     * {@link #stopsGeneration} may accept others too.
     */
    default OptionalInt eosToken() {
        return OptionalInt.empty();
    }
}
