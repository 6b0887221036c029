package dev.forwardpass.models.tokenizer;

/**
 * How {@link Tokenizer#encode(String, EncodeOptions)} treats control tokens (Hugging Face's
 * {@code add_special_tokens} and {@code split_special_tokens}, llama.cpp's {@code add_special} and
 * {@code parse_special}).
 *
 * @param addSpecialTokens whether the BOS (and EOS) the tokenizer's rules add are put around the text
 * @param parseSpecialTokens whether the text of a control token ({@code <|endoftext|>}, {@code <s>}) in the input
 *     becomes that token; when false it is encoded as text. Tokens the vocabulary adds as text (user-defined, such as
 *     GPT-NeoX's runs of spaces) are matched either way.
 */
public record EncodeOptions(boolean addSpecialTokens, boolean parseSpecialTokens) {
    /** A prompt: the tokenizer's BOS, and control tokens written in the text are the tokens. */
    public static final EncodeOptions PROMPT = new EncodeOptions(true, true);
    /** Plain text only: nothing added and nothing in the text taken for a control token. */
    public static final EncodeOptions PLAIN_TEXT = new EncodeOptions(false, false);
}
