package dev.forwardpass.spark;

import dev.forwardpass.models.analysis.Perplexity;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.text.TextModel;
import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * {@code perplexity} and {@code mean_log_likelihood} (nats per scored token) of a text, as the {@code perplexity}
 * command computes them: the tokens with BOS, disjoint windows of the model's context. A text of fewer than two
 * tokens (an empty one) is refused; a text longer than the context is scored window by window.
 */
record PerplexityFunction() implements TextFunction {

    @Override
    public String name() {
        return "perplexity";
    }

    @Override
    public List<StructField> columns() {
        return List.of(DataTypes.createStructField("perplexity", DataTypes.DoubleType, true),
                DataTypes.createStructField("mean_log_likelihood", DataTypes.DoubleType, true));
    }

    /** Scores every row of the partition on one session: its KV cache is allocated once, not once per row. */
    @Override
    public Evaluator open(TextModel model) {
        LanguageModel.Session session = model.model().newSession();
        int context = model.contextLength();
        return new Evaluator() {
            @Override
            public Object[] apply(String text) {
                int[] tokens = model.tokenizer().encode(text);
                Perplexity.Result result = Perplexity.of(model.model(), session, tokens, context, context, scored -> {});
                return new Object[] {result.perplexity(), -result.negativeLogLikelihood() / result.scoredTokens()};
            }

            @Override
            public void close() {
                session.close();
            }
        };
    }
}
