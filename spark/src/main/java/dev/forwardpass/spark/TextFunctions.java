package dev.forwardpass.spark;

import dev.forwardpass.models.text.GenerationParams;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A language model's functions over a text column of a Spark {@link Dataset}: each returns the rows with the
 * function's columns added after the existing ones, and an error column named after the function.
 *
 * <pre>{@code
 * TextFunctions lm = TextFunctions.of(ModelSpec.of("stories15M.bin"));   // shipped with --files stories15M.bin
 * Dataset<Row> scored = lm.perplexity(spark.read().text("docs.txt"), "value");
 * }</pre>
 *
 * <p><b>Rows.</b> A task runs the rows of its partition one after another on a model of its executor's that it holds
 * alone for the partition (an executor loads one per task it runs at once, each computing with
 * {@code spark.task.cpus} threads), a whole text (a window of its tokens) per forward pass, and on one session it
 * keeps for the partition where the function needs one. Every value depends on its row alone, so a task that is
 * retried or speculatively run again writes the same rows.
 *
 * <p><b>Errors.</b> A row whose text is null, or one the function refuses (see each function), gets nulls in the
 * function's columns and the reason in its error column; the job goes on. A missing or malformed model fails at
 * {@link #of}, on the driver, before any job starts.
 */
public final class TextFunctions {
    private final ModelSpec spec;

    private TextFunctions(ModelSpec spec) {
        this.spec = spec;
    }

    /**
     * {@return the functions of the model {@code spec} names}, after reading its header and its tokenizer on the
     * driver (where a shipped file is found too); the executors load it when their first task needs it
     *
     * @throws java.nio.file.NoSuchFileException if the model or tokenizer file is missing
     * @throws dev.forwardpass.models.format.ModelFormatException if one is malformed, in one line naming file and field
     */
    public static TextFunctions of(ModelSpec spec) throws IOException {
        spec.check();
        return new TextFunctions(spec);
    }

    /**
     * {@return the rows with {@code perplexity} and {@code mean_log_likelihood} (nats per scored token) of the text in
     * {@code textColumn}, and {@code perplexity_error}}, as the {@code perplexity} command computes them: the text's
     * tokens with BOS, in disjoint windows of the model's context. A text of fewer than two tokens (an empty one) is
     * refused; a longer text than the context is scored window by window.
     */
    public Dataset<Row> perplexity(Dataset<Row> rows, String textColumn) {
        return apply(rows, textColumn, new PerplexityFunction());
    }

    /**
     * {@return the rows with {@code token_count}, the tokens of the text in {@code textColumn} with BOS, and
     * {@code token_count_error}}: every text but a null one has a count, however long
     */
    public Dataset<Row> tokenCount(Dataset<Row> rows, String textColumn) {
        return apply(rows, textColumn, new TokenCountFunction());
    }

    /**
     * {@return the rows with the continuation of the prompt in {@code promptColumn}: {@code generated_text},
     * {@code finish_reason} ({@code stop} or {@code length}), and {@code generate_error}}. Each row samples with a seed
     * of its own, made from {@code params}' seed and its prompt, so that a task run again writes the same text; two
     * rows with the same prompt get the same text. An empty prompt starts from BOS; a prompt longer than the context
     * is refused.
     */
    public Dataset<Row> generate(Dataset<Row> rows, String promptColumn, GenerationParams params) {
        return apply(rows, promptColumn, new GenerateFunction(params));
    }

    /**
     * {@return the rows with {@code next_token_logprobs}, the {@code k} most probable tokens after the text in
     * {@code textColumn} (an array of {@code (token, piece, logprob)}, most probable first, natural log), and
     * {@code next_token_logprobs_error}}. A text longer than the context, or one with no tokens, is refused.
     *
     * @throws IllegalArgumentException if {@code k < 1}
     */
    public Dataset<Row> nextTokenLogprobs(Dataset<Row> rows, String textColumn, int k) {
        return apply(rows, textColumn, new NextTokenLogprobsFunction(k));
    }

    private Dataset<Row> apply(Dataset<Row> rows, String textColumn, TextFunction function) {
        StructType input = rows.schema();
        int textIndex = Arrays.asList(input.fieldNames()).indexOf(textColumn);
        if (textIndex < 0) {
            throw new IllegalArgumentException("no column '" + textColumn + "' in " + input.simpleString());
        }
        if (!input.fields()[textIndex].dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("column '" + textColumn + "' must be a string, found "
                    + input.fields()[textIndex].dataType().simpleString());
        }
        List<StructField> added = new ArrayList<>(function.columns());
        added.add(DataTypes.createStructField(function.name() + "_error", DataTypes.StringType, true));
        StructType output = input;
        for (StructField column : added) {
            if (Arrays.asList(input.fieldNames()).contains(column.name())) {
                throw new IllegalArgumentException("the rows have a column '" + column.name() + "' already");
            }
            output = output.add(column);
        }
        return rows.mapPartitions(new PartitionEvaluator(spec, function, textIndex), Encoders.row(output));
    }
}
