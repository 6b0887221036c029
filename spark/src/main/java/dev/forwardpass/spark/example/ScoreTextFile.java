package dev.forwardpass.spark.example;

import dev.forwardpass.spark.ModelSpec;
import dev.forwardpass.spark.TextFunctions;
import java.io.IOException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;

/**
 * An example job: scores every line of a text file with a language model and writes the scores as Parquet, one row
 * per line: {@code text}, {@code token_count}, {@code perplexity}, {@code mean_log_likelihood} and their error
 * columns. The model is named by Spark settings ({@code --conf}), the embedded stories260K when none is given:
 *
 * <pre>
 * spark-submit --class dev.forwardpass.spark.example.ScoreTextFile \
 *     --files /models/stories15M.bin,/models/tokenizer.bin \
 *     --conf spark.forwardpass.model=stories15M.bin --conf spark.forwardpass.tokenizer=tokenizer.bin \
 *     forwardpass-spark-job.jar hdfs:///corpus/docs.txt hdfs:///corpus/scores.parquet
 * </pre>
 */
public final class ScoreTextFile {
    /** The model file: an absolute path on every executor, or the name of a file shipped with {@code --files}. */
    public static final String MODEL = "spark.forwardpass.model";
    /** The tokenizer file, named as the model is; the model's own when not set. */
    public static final String TOKENIZER = "spark.forwardpass.tokenizer";
    /** Threads of each task's model; {@code spark.task.cpus} when not set. */
    public static final String THREADS = "spark.forwardpass.threads";
    /** Tasks per core: several, so that a core that drew long texts does not hold the job up. */
    private static final int TASKS_PER_CORE = 4;

    private ScoreTextFile() {}

    /** {@code ScoreTextFile INPUT OUTPUT}: INPUT a text file (one document per line), OUTPUT a Parquet folder. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: ScoreTextFile INPUT.txt OUTPUT.parquet (one document per line; "
                    + "the model from --conf " + MODEL + "=FILE, else the embedded stories260K)");
        }
        SparkSession spark = SparkSession.builder().appName("forwardpass-score-text-file").getOrCreate();
        try {
            run(spark, args[0], args[1]);
        } finally {
            spark.stop();
        }
    }

    /** Scores the lines of {@code input} with the model the session's settings name, into {@code output}. */
    public static void run(SparkSession spark, String input, String output) throws IOException {
        RuntimeConfig conf = spark.conf();
        ModelSpec spec = ModelSpec.embedded()
                .withModel(conf.get(MODEL, null))
                .withTokenizer(conf.get(TOKENIZER, null))
                .withThreads(Integer.parseInt(conf.get(THREADS, "0")));
        TextFunctions model = TextFunctions.of(spec);
        int partitions = TASKS_PER_CORE * spark.sparkContext().defaultParallelism();
        Dataset<Row> lines = spark.createDataset(spark.sparkContext().textFile(input, partitions), Encoders.STRING())
                .toDF("text");
        model.perplexity(model.tokenCount(lines, "text"), "text").write().parquet(output);
    }
}
