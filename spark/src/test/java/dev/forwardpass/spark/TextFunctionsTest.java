package dev.forwardpass.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.analysis.Distribution;
import dev.forwardpass.models.analysis.Perplexity;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.text.Completion;
import dev.forwardpass.models.text.GenerationParams;
import dev.forwardpass.models.text.TextModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The functions on a Spark of two task threads that tries a task twice ({@code local[2,2]}), with the embedded
 * model, against the same model run directly in this JVM.
 */
class TextFunctionsTest {
    private static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.IntegerType, false)
            .add("text", DataTypes.StringType, true);
    /** Column indices of a function's output: the input's two, then the function's. */
    private static final int TEXT = 1;
    private static final int FIRST_ADDED = 2;

    private static SparkSession spark;
    private static TextModel reference;
    private static TextFunctions embedded;

    @BeforeAll
    static void start() throws IOException {
        spark = LocalSpark.start("local[2,2]");
        reference = TextModel.load(TextModel.Options.defaults().withThreads(1));
        embedded = TextFunctions.of(ModelSpec.embedded());
    }

    @AfterAll
    static void stop() {
        spark.stop();
        reference.close();
    }

    @Test
    void scoresEveryRowAsThePerplexityCommandDoesTheSameOnEveryRunAndRetry() {
        List<String> texts = SampleTexts.of(1000);
        Dataset<Row> scored = embedded.perplexity(rows(texts, 8), "text");
        List<Row> first = sortedById(scored);
        assertEquals(texts.size(), first.size());
        for (Row row : first) {
            Perplexity.Result expected = commandPerplexity(texts.get(row.getInt(0)));
            assertNull(row.get(FIRST_ADDED + 2), "no error");
            assertRelative(expected.perplexity(), row.getDouble(FIRST_ADDED), row);
            assertRelative(-expected.negativeLogLikelihood() / expected.scoredTokens(), row.getDouble(FIRST_ADDED + 1),
                    row);
        }
        assertEquals(first, sortedById(scored), "a second run");

        // the first attempt of one task fails after ten of its rows; Spark runs the task again
        LongAccumulator retries = spark.sparkContext().longAccumulator("retries");
        Dataset<Row> retried = scored.mapPartitions(failFirstAttempt(3, retries), Encoders.row(scored.schema()));
        assertEquals(first, sortedById(retried), "a run with a retried task");
        assertEquals(1, retries.value(), "tasks run again");
    }

    @Test
    void badRowsGetNullsAndTheReasonWhileTheOthersGetValues() {
        String longText = String.join(" ", SampleTexts.of(40));
        int longTokens = reference.tokenizer().encode(longText).length;
        assertTrue(longTokens > reference.contextLength(), longTokens + " tokens");
        Dataset<Row> in = rows(Arrays.asList("Lily had a red ball.", null, "", longText), 2);

        List<Row> perplexity = sortedById(embedded.perplexity(in, "text"));
        assertRelative(commandPerplexity("Lily had a red ball.").perplexity(), perplexity.get(0).getDouble(2),
                perplexity.get(0));
        assertRefused(perplexity.get(1), 2, "the text is null");
        assertRefused(perplexity.get(2), 2, "need at least two tokens, found 1");
        // a text longer than the context is scored window by window, as the command scores it
        assertRelative(commandPerplexity(longText).perplexity(), perplexity.get(3).getDouble(2), perplexity.get(3));
        assertNull(perplexity.get(3).get(4));

        List<Row> counts = sortedById(embedded.tokenCount(in, "text"));
        assertRefused(counts.get(1), 1, "the text is null");
        assertEquals(1, counts.get(2).getInt(FIRST_ADDED), "BOS alone");
        assertEquals(longTokens, counts.get(3).getInt(FIRST_ADDED));

        GenerationParams greedy = GenerationParams.defaults().withMaxTokens(8).withSampling(SamplingParams.greedy());
        List<Row> generated = sortedById(embedded.generate(in, "text", greedy));
        assertEquals(reference.complete("Lily had a red ball.", greedy).text(), generated.get(0).getString(2));
        assertRefused(generated.get(1), 2, "the text is null");
        assertEquals(reference.complete("", greedy).text(), generated.get(2).getString(2), "from BOS");
        assertRefused(generated.get(3), 2, "the prompt is " + longTokens
                + " tokens, longer than the model's context of 512");

        List<Row> logprobs = sortedById(embedded.nextTokenLogprobs(in, "text", 3));
        assertEquals(3, logprobs.get(0).getList(FIRST_ADDED).size());
        assertRefused(logprobs.get(1), 1, "the text is null");
        assertEquals(3, logprobs.get(2).getList(FIRST_ADDED).size(), "after BOS");
        assertRefused(logprobs.get(3), 1, "positions 0.." + (longTokens - 1)
                + " are outside the context of 512 tokens");
    }

    @Test
    void generatesWithASeedOfEachRowSoThatEveryRunWritesTheSameText() {
        GenerationParams params = GenerationParams.defaults().withMaxTokens(24)
                .withSampling(SamplingParams.defaults().withSeed(7));
        List<String> prompts = List.of("Once upon a time", "Tom saw a big dog", "Once upon a time", "Mia");
        Dataset<Row> generated = embedded.generate(rows(prompts, 3), "text", params);
        List<Row> first = sortedById(generated);
        assertEquals(first, sortedById(generated), "a second run");
        for (Row row : first) {
            String prompt = row.getString(TEXT);
            long seed = GenerateFunction.rowSeed(7, prompt);
            Completion expected = reference.complete(prompt, params.withSampling(params.sampling().withSeed(seed)));
            assertEquals(expected.text(), row.getString(FIRST_ADDED), prompt);
            assertEquals(expected.finishReason().name().toLowerCase(), row.getString(FIRST_ADDED + 1));
            assertNull(row.get(FIRST_ADDED + 2));
        }
        assertEquals(first.get(0).getString(FIRST_ADDED), first.get(2).getString(FIRST_ADDED), "the same prompt");
    }

    @Test
    void nextTokenLogprobsAreTheMostProbableTokensAfterTheText() {
        List<String> texts = SampleTexts.of(20);
        List<Row> rows = sortedById(embedded.nextTokenLogprobs(rows(texts, 4), "text", 5));
        try (LanguageModel.Session session = reference.model().newSession()) {
            for (Row row : rows) {
                int[] tokens = reference.tokenizer().encode(texts.get(row.getInt(0)));
                Distribution next = Distribution.ofLogits(session.prefill(tokens, 0));
                int[] top = next.top(5);
                List<Row> candidates = row.getList(FIRST_ADDED);
                assertEquals(top.length, candidates.size());
                for (int i = 0; i < top.length; i++) {
                    Row candidate = candidates.get(i);
                    assertEquals(top[i], candidate.getInt(0));
                    assertEquals(reference.tokenizer().piece(top[i]), candidate.getString(1));
                    assertEquals(next.logProb(top[i]), candidate.getDouble(2), 1e-9);
                }
            }
        }
    }

    @Test
    void scoresWithAModelShippedToTheExecutorsAsASparkFile(@TempDir Path folder) throws IOException {
        for (String file : List.of("stories260K.bin", "tok512.bin")) {
            try (InputStream in = TextModel.class.getResourceAsStream("/dev/forwardpass/models/stories260K/" + file)) {
                Files.copy(in, folder.resolve(file));
            }
            spark.sparkContext().addFile(folder.resolve(file).toString());
        }
        TextFunctions shipped = TextFunctions.of(ModelSpec.of("stories260K.bin").withTokenizer("tok512.bin"));
        List<String> texts = SampleTexts.of(20);
        for (Row row : sortedById(shipped.perplexity(rows(texts, 2), "text"))) {
            assertRelative(commandPerplexity(texts.get(row.getInt(0))).perplexity(), row.getDouble(FIRST_ADDED), row);
        }
    }

    @Test
    void refusesColumnsItCannotUseBeforeAnyJob() {
        Dataset<Row> in = rows(List.of("a"), 1);
        assertEquals("no column 'body' in struct<id:int,text:string>",
                assertThrows(IllegalArgumentException.class, () -> embedded.perplexity(in, "body")).getMessage());
        assertEquals("column 'id' must be a string, found int",
                assertThrows(IllegalArgumentException.class, () -> embedded.tokenCount(in, "id")).getMessage());
        Dataset<Row> counted = embedded.tokenCount(in, "text");
        assertEquals("the rows have a column 'token_count' already",
                assertThrows(IllegalArgumentException.class, () -> embedded.tokenCount(counted, "text")).getMessage());
        assertEquals("k must be >= 1, found 0",
                assertThrows(IllegalArgumentException.class, () -> embedded.nextTokenLogprobs(in, "text", 0))
                        .getMessage());
    }

    /** {@return rows (id, text) of {@code texts}, in {@code partitions} partitions} */
    private static Dataset<Row> rows(List<String> texts, int partitions) {
        List<Row> rows = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create(i, texts.get(i)));
        }
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(context.parallelize(rows, partitions), SCHEMA);
    }

    private static List<Row> sortedById(Dataset<Row> rows) {
        List<Row> collected = new ArrayList<>(rows.collectAsList());
        collected.sort(Comparator.comparingInt(row -> row.getInt(0)));
        return collected;
    }

    /** {@return what the {@code perplexity} command computes for a file holding {@code text}} */
    private static Perplexity.Result commandPerplexity(String text) {
        return CommandReference.perplexity(reference, text);
    }

    private static void assertRelative(double expected, double actual, Row row) {
        assertTrue(CommandReference.agrees(expected, actual), "expected " + expected + ", found " + actual + " in " + row);
    }

    /** Asserts that the function's {@code columns} are null in {@code row} and its error column says {@code reason}. */
    private static void assertRefused(Row row, int columns, String reason) {
        for (int i = 0; i < columns; i++) {
            assertNull(row.get(FIRST_ADDED + i), row.toString());
        }
        assertEquals(reason, row.getString(FIRST_ADDED + columns));
    }

    /**
     * {@return the rows unchanged, except that the first attempt of task {@code partition} fails after ten rows};
     * {@code retries} counts the tasks run more than once
     */
    private static MapPartitionsFunction<Row, Row> failFirstAttempt(int partition, LongAccumulator retries) {
        return rows -> {
            TaskContext task = TaskContext.get();
            if (task.attemptNumber() > 0) {
                retries.add(1);
            }
            boolean fail = task.partitionId() == partition && task.attemptNumber() == 0;
            return new Iterator<>() {
                private int passed;

                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public Row next() {
                    if (fail && ++passed > 10) {
                        throw new IllegalStateException("a failure injected by the test");
                    }
                    return rows.next();
                }
            };
        };
    }
}
