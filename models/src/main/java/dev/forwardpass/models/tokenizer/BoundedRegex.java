package dev.forwardpass.models.tokenizer;

import dev.forwardpass.models.format.ModelFormatException;
import java.io.UncheckedIOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A regular expression from a tokenizer file, run with a budget of steps proportional to the text, so that a pattern
 * that backtracks exponentially ends in an error naming the file and field instead of running for hours. A step is a
 * read of one character of the text by the regex engine.
 *
 * @param pattern the compiled pattern
 * @param source the file it came from
 * @param field where in the file, e.g. {@code pre_tokenizer.pretokenizers[0].pattern.Regex}
 */
record BoundedRegex(Pattern pattern, String source, String field) implements TextPipeline.Regex {
    /**
     * Steps per character of the text: the patterns of real tokenizers (GPT-2's, Llama 3's, Qwen's) take under 20, or
     * quadratically many in a run of white space, which this covers up to some thousands of spaces.
     */
    static final long STEPS_PER_CHAR = 2_000;
    /** Steps every text may take whatever its length. */
    static final long BASE_STEPS = 10_000_000;

    @Override
    public Matcher matcher(String text) {
        return pattern.matcher(new CountedText(text, BASE_STEPS + STEPS_PER_CHAR * text.length()));
    }

    /** The text as the regex engine reads it, counting its reads down from a budget. */
    private final class CountedText implements CharSequence {
        private final String text;
        private final long budget;
        private long remaining;

        CountedText(String text, long budget) {
            this.text = text;
            this.budget = budget;
            this.remaining = budget;
        }

        @Override
        public char charAt(int index) {
            if (--remaining < 0) {
                throw new UncheckedIOException(new ModelFormatException(source, -1, field, "the pattern took more than "
                        + budget + " steps on a text of " + text.length() + " characters (it backtracks "
                        + "catastrophically): a tokenizer's split pattern must run in time linear in the text"));
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return text.subSequence(start, end);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
