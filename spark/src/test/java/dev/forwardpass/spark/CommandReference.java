package dev.forwardpass.spark;

import dev.forwardpass.models.analysis.Perplexity;
import dev.forwardpass.models.text.TextModel;

/** What the {@code perplexity} command computes for a file holding a text: the definition the functions must meet. */
public final class CommandReference {
    private CommandReference() {}

    /** {@return the command's result for {@code text}}: its tokens with BOS, disjoint windows of the context */
    public static Perplexity.Result perplexity(TextModel model, String text) {
        int[] tokens = model.tokenizer().encode(text);
        int context = model.contextLength();
        return Perplexity.of(model.model(), tokens, context, context, scored -> {});
    }

    /** {@return whether {@code actual} is within 1e-6 of {@code expected}, relatively} */
    public static boolean agrees(double expected, double actual) {
        return Math.abs(actual - expected) <= 1e-6 * Math.abs(expected);
    }
}
