package dev.forwardpass.models.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tokens matched in the raw text before normalization and BPE (Hugging Face's {@code added_tokens}): special tokens
 * such as {@code <|endoftext|>} or {@code <|begin_of_text|>}, which BPE could never produce, become their id
 * wherever they occur. At each position the longest token that matches wins.
 *
 * <p>Two simplifications of Hugging Face's rules, which matter for none of the supported models' control tokens:
 * every token is matched in the raw text (Hugging Face matches {@code "normalized": true} tokens in the normalized
 * text), and {@code single_word} is not enforced.
 */
final class AddedTokens {
    /**
     * One added token.
     *
     * @param id its id
     * @param content the text it matches, exactly
     * @param special whether it is a control token rather than text
     * @param lstrip whether white space just before it is swallowed by the match
     * @param rstrip whether white space just after it is swallowed by the match
     */
    record Token(int id, String content, boolean special, boolean lstrip, boolean rstrip) {}

    /**
     * A part of the text: either plain text for the model ({@code id == -1}) or an added token.
     *
     * @param text the plain text (empty for an added token)
     * @param id the added token's id, or -1
     */
    record Segment(String text, int id) {}

    static final AddedTokens NONE = new AddedTokens(List.of());

    private final List<Token> tokens;
    private final Map<Character, List<Token>> byFirstChar; // candidates at a position, longest first

    AddedTokens(List<Token> tokens) {
        this.tokens = List.copyOf(tokens);
        this.byFirstChar = new HashMap<>();
        for (Token t : tokens) {
            if (!t.content().isEmpty()) {
                byFirstChar.computeIfAbsent(t.content().charAt(0), c -> new ArrayList<>()).add(t);
            }
        }
        byFirstChar.values().forEach(list -> list.sort(Comparator.comparingInt((Token t) -> t.content().length())
                .reversed()));
    }

    /** {@return every added token} */
    List<Token> tokens() {
        return tokens;
    }

    /**
     * {@return {@code text} cut into plain text and added tokens, in order; no segment of plain text is empty}
     * Special tokens are matched only when {@code parseSpecial}; the others always are (Hugging Face's
     * {@code split_special_tokens}, the inverse).
     */
    List<Segment> split(String text, boolean parseSpecial) {
        List<Segment> out = new ArrayList<>();
        if (byFirstChar.isEmpty()) {
            if (!text.isEmpty()) {
                out.add(new Segment(text, -1));
            }
            return out;
        }
        int plainStart = 0;
        int i = 0;
        while (i < text.length()) {
            Token match = match(text, i, parseSpecial);
            if (match == null) {
                i++;
                continue;
            }
            int plainEnd = i;
            if (match.lstrip()) {
                while (plainEnd > plainStart && Character.isWhitespace(text.charAt(plainEnd - 1))) {
                    plainEnd--;
                }
            }
            if (plainEnd > plainStart) {
                out.add(new Segment(text.substring(plainStart, plainEnd), -1));
            }
            out.add(new Segment("", match.id()));
            i += match.content().length();
            if (match.rstrip()) {
                while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                    i++;
                }
            }
            plainStart = i;
        }
        if (plainStart < text.length()) {
            out.add(new Segment(text.substring(plainStart), -1));
        }
        return out;
    }

    private Token match(String text, int at, boolean parseSpecial) {
        List<Token> candidates = byFirstChar.get(text.charAt(at));
        if (candidates != null) {
            for (Token t : candidates) {
                if ((parseSpecial || !t.special()) && text.startsWith(t.content(), at)) {
                    return t;
                }
            }
        }
        return null;
    }
}
