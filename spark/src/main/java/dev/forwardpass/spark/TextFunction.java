package dev.forwardpass.spark;

import dev.forwardpass.models.text.TextModel;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.types.StructField;

/**
 * One function over a text column, as {@link PartitionEvaluator} runs it: the columns it adds, and what computes
 * them for the rows of one partition. Shipped to the executors, so it holds only serializable settings.
 */
interface TextFunction extends Serializable {

    /** {@return the name its error column is named after: {@code perplexity} adds {@code perplexity_error}} */
    String name();

    /** {@return the columns it adds, in order, before its error column; each is null in a row that has an error} */
    List<StructField> columns();

    /** {@return what computes the columns for the rows of one partition}, on the task's thread, until closed */
    Evaluator open(TextModel model);

    /** Computes the columns of one row after another; used by one thread. */
    interface Evaluator extends AutoCloseable {

        /**
         * {@return the values of {@link #columns()} for {@code text}}, which is not null
         *
         * @throws IllegalArgumentException if the text is one the function cannot take (too long, too short): the
         *     row gets nulls and the message in its error column
         */
        Object[] apply(String text);

        /** Releases what {@link #open} took (a session); the default holds nothing. */
        @Override
        default void close() {}
    }
}
