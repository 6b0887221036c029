package dev.forwardpass.spark;

import dev.forwardpass.models.text.TextModel;
import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * {@code token_count}: the number of tokens the model sees for a text (BOS included, as the {@code perplexity}
 * command counts them). Any text has one, however long: it is how to find the texts longer than the context.
 */
record TokenCountFunction() implements TextFunction {

    @Override
    public String name() {
        return "token_count";
    }

    @Override
    public List<StructField> columns() {
        return List.of(DataTypes.createStructField("token_count", DataTypes.IntegerType, true));
    }

    @Override
    public Evaluator open(TextModel model) {
        return text -> new Object[] {model.tokenizer().encode(text).length};
    }
}
