package dev.forwardpass.models.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * What happens to a text before BPE, in Hugging Face's order: added tokens are cut out of the raw text, each
 * remaining part is normalized, then pre-tokenized into the pieces ("words") that BPE encodes one by one.
 *
 * @param added tokens matched first
 * @param normalizer applied to each part of plain text
 * @param preTokenizer cuts a normalized part into pieces
 */
record TextPipeline(AddedTokens added, UnaryOperator<String> normalizer, PreTokenizer preTokenizer) {

    /** GPT-2's split pattern ({@code encoder.py}), used by a ByteLevel pre-tokenizer with {@code use_regex}. */
    static final String GPT2_PATTERN =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** A punctuation character as Hugging Face's Punctuation pre-tokenizer sees one: Unicode's, or ASCII's. */
    static final String PUNCTUATION = "[\\p{P}\\$\\+<=>\\^~\\|`]";

    /**
     * A part of the text after pre-tokenization.
     *
     * @param text a piece for BPE (empty for an added token)
     * @param id the added token's id, or -1 for a piece
     */
    record Piece(String text, int id) {}

    /**
     * {@return the ids of {@code text}}: the {@code specials} prefix, then each piece of {@link #split} (an added
     * token's id as it is, the rest through {@code bpe}), then the suffix; the prefix and suffix only when
     * {@code options} add special tokens.
     */
    int[] encode(String text, EncodeOptions options, SpecialTokens specials, Function<String, int[]> bpe) {
        IntStream.Builder out = IntStream.builder();
        if (options.addSpecialTokens()) {
            for (int id : specials.prefix()) {
                out.add(id);
            }
        }
        for (Piece piece : split(text, options.parseSpecialTokens())) {
            if (piece.id() >= 0) {
                out.add(piece.id());
            } else {
                for (int id : bpe.apply(piece.text())) {
                    out.add(id);
                }
            }
        }
        if (options.addSpecialTokens()) {
            for (int id : specials.suffix()) {
                out.add(id);
            }
        }
        return out.build().toArray();
    }

    /** {@return the pieces and added tokens of {@code text}, in order (special ones only if {@code parseSpecial})} */
    List<Piece> split(String text, boolean parseSpecial) {
        List<Piece> out = new ArrayList<>();
        boolean first = true;
        for (AddedTokens.Segment segment : added.split(text, parseSpecial)) {
            if (segment.id() >= 0) {
                out.add(new Piece("", segment.id()));
            } else {
                for (String piece : preTokenizer.split(normalizer.apply(segment.text()), first)) {
                    if (!piece.isEmpty()) {
                        out.add(new Piece(piece, -1));
                    }
                }
            }
            first = false;
        }
        return out;
    }

    /** Cuts a normalized text into pieces. */
    @FunctionalInterface
    interface PreTokenizer {
        /** No pre-tokenization: the text is one piece. */
        PreTokenizer NONE = (text, first) -> List.of(text);

        /**
         * {@return the pieces of {@code text}}
         *
         * @param first whether this text starts the input (rather than following an added token)
         */
        List<String> split(String text, boolean first);

        /** {@return this, then {@code next} on each of this one's pieces} */
        default PreTokenizer then(PreTokenizer next) {
            return (text, first) -> {
                List<String> out = new ArrayList<>();
                for (String piece : split(text, first)) {
                    out.addAll(next.split(piece, first));
                }
                return out;
            };
        }
    }

    /** How a regex split treats the matches (Hugging Face's {@code SplitDelimiterBehavior}). */
    enum SplitBehavior {
        /** Matches and the text between them are separate pieces. */
        ISOLATED,
        /** Matches are dropped. */
        REMOVED,
        /** Each match joins the piece before it. */
        MERGED_WITH_PREVIOUS,
        /** Each match starts the piece after it. */
        MERGED_WITH_NEXT
    }

    /**
     * {@return a pre-tokenizer that cuts at the matches of {@code regex}} Patterns come from tokenizer.json, written
     * for Oniguruma; with {@link Pattern#UNICODE_CHARACTER_CLASS} Java's {@code \s} matches the same Unicode white
     * space as theirs (without it, only ASCII white space).
     */
    static PreTokenizer regexSplit(Regex regex, SplitBehavior behavior) {
        return (text, first) -> {
            List<String> out = new ArrayList<>();
            Matcher m = regex.matcher(text);
            int last = 0;
            StringBuilder pending = new StringBuilder(); // a match waiting for the piece after it
            while (m.find()) {
                if (m.end() == m.start()) {
                    continue; // an empty match cuts nothing
                }
                String gap = text.substring(last, m.start());
                String match = m.group();
                switch (behavior) {
                    case ISOLATED -> {
                        addIfNotEmpty(out, gap);
                        out.add(match);
                    }
                    case REMOVED -> addIfNotEmpty(out, gap);
                    case MERGED_WITH_PREVIOUS -> out.add(gap + match);
                    case MERGED_WITH_NEXT -> {
                        pending.append(gap);
                        addIfNotEmpty(out, pending.toString());
                        pending.setLength(0);
                        pending.append(match);
                    }
                }
                last = m.end();
            }
            pending.append(text, last, text.length());
            addIfNotEmpty(out, pending.toString());
            return out;
        };
    }

    private static void addIfNotEmpty(List<String> out, String piece) {
        if (!piece.isEmpty()) {
            out.add(piece);
        }
    }

    /** A pattern the pipeline runs: a built-in one as it is, a tokenizer file's as a {@link BoundedRegex}. */
    @FunctionalInterface
    interface Regex {
        /** {@return a matcher of the pattern over {@code text}} */
        Matcher matcher(String text);
    }

    /** {@return {@code pattern} compiled as Hugging Face's tokenizers (Oniguruma) read it} */
    static Pattern compile(String pattern) {
        return Pattern.compile(pattern, Pattern.UNICODE_CHARACTER_CLASS);
    }

    /** The UTF-8 bytes of a piece written as GPT-2's characters ({@link ByteLevel}): what byte-level BPE merges. */
    static final PreTokenizer BYTE_CHARACTERS = (text, first) -> List.of(ByteLevel.encode(text));

    /**
     * {@return Hugging Face's ByteLevel pre-tokenizer}: a space is prepended to each piece that does not start with
     * one when {@code addPrefixSpace}, the piece is cut with GPT-2's pattern when {@code useRegex}, and the UTF-8
     * bytes of each piece are written as GPT-2's characters ({@link #BYTE_CHARACTERS}), which is what the
     * pre-tokenizers after it (Falcon's digits) and the BPE see.
     */
    static PreTokenizer byteLevel(boolean addPrefixSpace, boolean useRegex) {
        PreTokenizer gpt2 = regexSplit(compile(GPT2_PATTERN)::matcher, SplitBehavior.ISOLATED);
        PreTokenizer cut = (text, first) -> {
            String t = addPrefixSpace && !text.startsWith(" ") ? " " + text : text;
            return useRegex ? gpt2.split(t, first) : List.of(t);
        };
        return cut.then(BYTE_CHARACTERS);
    }

    /** When a Metaspace pre-tokenizer prepends its replacement character. */
    enum PrependScheme {
        /** Before every part of the text. */
        ALWAYS,
        /** Before the start of the input only (not after an added token). */
        FIRST,
        /** Never. */
        NEVER
    }

    /**
     * {@return SentencePiece's spaces as Hugging Face's Metaspace pre-tokenizer writes them}: every space becomes
     * {@code replacement} ({@code ▁}), which is also prepended as {@code scheme} says; with {@code split}, the text
     * is cut before each replacement character.
     */
    static PreTokenizer metaspace(String replacement, PrependScheme scheme, boolean split) {
        return (text, first) -> {
            String t = text.replace(" ", replacement);
            boolean prepend = scheme == PrependScheme.ALWAYS || (scheme == PrependScheme.FIRST && first);
            if (prepend && !t.startsWith(replacement)) {
                t = replacement + t;
            }
            if (!split) {
                return List.of(t);
            }
            List<String> out = new ArrayList<>();
            int start = 0;
            for (int i = t.indexOf(replacement, 1); i >= 0; i = t.indexOf(replacement, i + replacement.length())) {
                addIfNotEmpty(out, t.substring(start, i));
                start = i;
            }
            addIfNotEmpty(out, t.substring(start));
            return out;
        };
    }

    /** Normalizers, as Hugging Face's {@code normalizer} section names them. */
    static final class Normalizers {
        private Normalizers() {}

        static UnaryOperator<String> unicode(Normalizer.Form form) {
            return text -> Normalizer.normalize(text, form);
        }

        static UnaryOperator<String> lowercase() {
            return text -> text.toLowerCase(Locale.ROOT);
        }

        /** Prepends {@code prefix} to a non-empty text (SentencePiece's dummy prefix). */
        static UnaryOperator<String> prepend(String prefix) {
            return text -> text.isEmpty() ? text : prefix + text;
        }

        static UnaryOperator<String> replace(Regex regex, String content) {
            return text -> regex.matcher(text).replaceAll(Matcher.quoteReplacement(content));
        }

        static UnaryOperator<String> sequence(List<UnaryOperator<String>> steps) {
            List<UnaryOperator<String>> copy = List.copyOf(steps);
            return text -> {
                String t = text;
                for (UnaryOperator<String> step : copy) {
                    t = step.apply(t);
                }
                return t;
            };
        }
    }
}
