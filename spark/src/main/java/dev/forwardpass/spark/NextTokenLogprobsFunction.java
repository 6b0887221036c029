package dev.forwardpass.spark;

import dev.forwardpass.models.analysis.Distribution;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.text.TextModel;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@code next_token_logprobs}: the {@code k} most probable next tokens after a text (its tokens with BOS, run as one
 * batch), most probable first, each as {@code (token, piece, logprob)} with the natural log of its probability. A
 * text longer than the context, or one that encodes to no tokens, is refused.
 *
 * @param k how many tokens, >= 1
 */
record NextTokenLogprobsFunction(int k) implements TextFunction {
    private static final StructType CANDIDATE = DataTypes.createStructType(List.of(
            DataTypes.createStructField("token", DataTypes.IntegerType, false),
            DataTypes.createStructField("piece", DataTypes.StringType, false),
            DataTypes.createStructField("logprob", DataTypes.DoubleType, false)));

    NextTokenLogprobsFunction {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, found " + k);
        }
    }

    @Override
    public String name() {
        return "next_token_logprobs";
    }

    @Override
    public List<StructField> columns() {
        return List.of(DataTypes.createStructField("next_token_logprobs", DataTypes.createArrayType(CANDIDATE, false),
                true));
    }

    /** Runs every row of the partition on one session, whose KV cache each prompt overwrites from position 0. */
    @Override
    public Evaluator open(TextModel model) {
        LanguageModel.Session session = model.model().newSession();
        return new Evaluator() {
            @Override
            public Object[] apply(String text) {
                int[] tokens = model.tokenizer().encode(text);
                if (tokens.length == 0) {
                    throw new IllegalArgumentException("the text encodes to no tokens; need at least one");
                }
                Distribution next = Distribution.ofLogits(session.prefill(tokens, 0));
                int[] top = next.top(k);
                Row[] candidates = new Row[top.length]; // an array: Spark's encoder takes no java.util.List
                for (int i = 0; i < top.length; i++) {
                    candidates[i] = RowFactory.create(top[i], model.tokenizer().piece(top[i]), next.logProb(top[i]));
                }
                return new Object[] {candidates};
            }

            @Override
            public void close() {
                session.close();
            }
        };
    }
}
