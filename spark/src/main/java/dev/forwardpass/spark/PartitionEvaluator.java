package dev.forwardpass.spark;

import dev.forwardpass.models.text.TextModel;
import java.io.IOException;
import java.util.Iterator;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Runs a {@link TextFunction} over the rows of one partition, on the task's thread: each row comes out as it went in,
 * followed by the function's columns and its error column. A null text, or one the function refuses, gives nulls and
 * the reason; the model failing to load fails the task (and so the job), since no row could succeed.
 *
 * @param spec the model; the task borrows one of its executor's ({@link ExecutorModels}) for the partition
 * @param function what to compute
 * @param textIndex where the text column is in the input rows
 */
record PartitionEvaluator(ModelSpec spec, TextFunction function, int textIndex)
        implements MapPartitionsFunction<Row, Row> {

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws IOException {
        TextModel.Options options = spec.options();
        TextModel model = ExecutorModels.borrow(options);
        TextFunction.Evaluator evaluator;
        try {
            evaluator = function.open(model);
        } catch (RuntimeException e) {
            ExecutorModels.giveBack(options, model);
            throw e;
        }
        // rows are pulled lazily, so the evaluator and its model are held until the task ends, however far its
        // consumer reads
        TaskContext.get().addTaskCompletionListener((TaskCompletionListener) task -> {
            try {
                evaluator.close();
            } finally {
                ExecutorModels.giveBack(options, model);
            }
        });
        int added = function.columns().size();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row row = rows.next();
                Object[] values = new Object[row.length() + added + 1];
                for (int i = 0; i < row.length(); i++) {
                    values[i] = row.get(i);
                }
                String text = row.getString(textIndex);
                if (text == null) {
                    values[values.length - 1] = "the text is null";
                    return RowFactory.create(values);
                }
                try {
                    System.arraycopy(evaluator.apply(text), 0, values, row.length(), added);
                } catch (IllegalArgumentException refused) {
                    values[values.length - 1] = refused.getMessage();
                }
                return RowFactory.create(values);
            }
        };
    }
}
