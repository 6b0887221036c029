package dev.forwardpass.spark.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.analysis.Perplexity;
import dev.forwardpass.models.text.TextModel;
import dev.forwardpass.spark.CommandReference;
import dev.forwardpass.spark.LocalSpark;
import dev.forwardpass.spark.SampleTexts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example job in {@code local[*]}, as CI runs it: a text file in, Parquet out. */
class ScoreTextFileTest {

    @Test
    void scoresEveryLineOfATextFileIntoParquet(@TempDir Path folder) throws IOException {
        List<String> lines = new ArrayList<>(SampleTexts.of(60));
        lines.add(7, "");
        Path input = Files.write(folder.resolve("docs.txt"), lines);
        Path output = folder.resolve("scores.parquet");
        SparkSession spark = LocalSpark.start("local[*]");
        try (TextModel reference = TextModel.load(TextModel.Options.defaults().withThreads(1))) {
            ScoreTextFile.run(spark, input.toString(), output.toString());

            List<Row> rows = spark.read().parquet(output.toString()).collectAsList();
            assertEquals(List.of("text", "token_count", "token_count_error", "perplexity", "mean_log_likelihood",
                    "perplexity_error"), List.of(rows.get(0).schema().fieldNames()));
            assertEquals(lines.size(), rows.size());
            for (Row row : rows) {
                String text = row.getString(0);
                assertEquals(reference.tokenizer().encode(text).length, row.getInt(1));
                if (text.isEmpty()) {
                    assertNull(row.get(3));
                    assertEquals("need at least two tokens, found 1", row.getString(5));
                } else {
                    Perplexity.Result expected = CommandReference.perplexity(reference, text);
                    assertTrue(CommandReference.agrees(expected.perplexity(), row.getDouble(3)), row.toString());
                    assertNull(row.get(5));
                }
            }
        } finally {
            spark.stop();
        }
    }
}
