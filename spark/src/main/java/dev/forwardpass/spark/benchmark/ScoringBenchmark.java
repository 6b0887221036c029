package dev.forwardpass.spark.benchmark;

import com.sun.management.OperatingSystemMXBean;
import dev.forwardpass.models.analysis.Perplexity;
import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.text.GenerationParams;
import dev.forwardpass.models.text.TextModel;
import dev.forwardpass.spark.ModelSpec;
import dev.forwardpass.spark.TextFunctions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Rows per second of scoring N documents ({@link TextFunctions#perplexity}) on {@code local[1]} and
 * {@code local[2]}, against a single process scoring them as the {@code perplexity} command scores a file
 * ({@code forwardpass perplexity --file}: the text encoded with BOS, then {@link Perplexity#of} on a session of its
 * own), one document after another, with one thread and with every processor. The fair pairs use the same threads in
 * total: {@code local[1]} (one task at a time, on a model of one thread) against the single process of one thread,
 * and {@code local[2]} (two tasks at once, each on a model of one thread) against {@code local[1]}. Every setting
 * scores the same documents, in this one JVM: the embedded model's own stories (sampled from BOS, seeds 1..N).
 *
 * <p>Each setting runs once to load the model and warm the JIT, then {@code RUNS} times; the report gives the best
 * and the median rows per second of those runs, and of the median run the processors it kept busy and its rows per
 * CPU-second (this JVM's CPU time, Spark's own threads, GC and JIT included). On a shared machine a setting may get
 * fewer processors than its threads: rows per CPU-second then still tell what the code costs. Last come the two
 * ratios, of rows per second and of rows per CPU-second. Run from the repository:
 *
 * <pre>
 * mvn -q -pl spark -am package -DskipTests
 * java @spark/jvm.options -cp "spark/target/classes:$(cat spark/target/classpath.txt)" \
 *     dev.forwardpass.spark.benchmark.ScoringBenchmark [DOCUMENTS [TOKENS [RUNS]]]
 * </pre>
 */
public final class ScoringBenchmark {
    /** Tasks per core, as the example job makes them. */
    private static final int TASKS_PER_CORE = 4;

    private ScoringBenchmark() {}

    /** {@code [DOCUMENTS [TOKENS [RUNS]]]}: 1000 documents of at most 64 tokens, 3 timed runs by default. */
    public static void main(String[] args) throws IOException {
        int documents = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<String> texts;
        try (TextModel model = TextModel.load(TextModel.Options.defaults())) {
            texts = stories(model, documents, tokens);
            System.out.printf("%d documents, %.1f tokens on average; %d runs after a warm-up: rows/s best / median, "
                    + "then of the median run processors busy and rows per CPU-second%n",
                    documents, meanTokens(model, texts), runs);
        }
        Rates singleProcess = reportSingleProcess(1, texts, runs);
        reportSingleProcess(Runtime.getRuntime().availableProcessors(), texts, runs); // the command's default threads
        Rates local1 = reportSpark("local[1]", texts, runs);
        Rates local2 = reportSpark("local[2]", texts, runs);
        System.out.printf("local[2] / local[1]: %.2fx rows/s, %.2fx rows per CPU-second%n",
                local2.perSecond() / local1.perSecond(), local2.perCpuSecond() / local1.perCpuSecond());
        System.out.printf("local[1] / single process of 1 thread: %.2fx rows/s, %.2fx rows per CPU-second%n",
                local1.perSecond() / singleProcess.perSecond(), local1.perCpuSecond() / singleProcess.perCpuSecond());
    }

    /** {@return the rates of scoring {@code texts} as the command does}, after printing them */
    private static Rates reportSingleProcess(int threads, List<String> texts, int runs) throws IOException {
        try (TextModel model = TextModel.load(TextModel.Options.defaults().withThreads(threads))) {
            return report("single process as the perplexity command, " + threads + " thread(s)", texts.size(), runs,
                    () -> scoreAsTheCommand(model, texts));
        }
    }

    /** {@return the rates of scoring {@code texts} on Spark {@code master}}, after printing them */
    private static Rates reportSpark(String master, List<String> texts, int runs) throws IOException {
        SparkSession spark = SparkSession.builder().master(master).appName("forwardpass-scoring-benchmark")
                .config("spark.ui.enabled", false).getOrCreate();
        spark.sparkContext().setLogLevel("ERROR");
        try {
            // the model's threads: spark.task.cpus, 1 here; one model per task running at once
            TextFunctions functions = TextFunctions.of(ModelSpec.embedded());
            int slots = spark.sparkContext().defaultParallelism();
            int partitions = TASKS_PER_CORE * slots;
            Dataset<Row> rows = spark.createDataset(
                    JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(texts, partitions).rdd(),
                    Encoders.STRING()).toDF("text");
            // the noop sink runs every row through the plan and writes nothing
            return report("spark " + master + ", " + slots + " task(s) at once of 1 thread, " + partitions
                    + " partitions", texts.size(), runs,
                    () -> functions.perplexity(rows, "text").write().format("noop").mode("overwrite").save());
        } finally {
            spark.stop();
        }
    }

    /** The documents: the model's stories from BOS, seeds 1..count, at most {@code tokens} tokens each. */
    private static List<String> stories(TextModel model, int count, int tokens) {
        List<String> texts = new ArrayList<>(count);
        GenerationParams params = GenerationParams.defaults().withMaxTokens(tokens);
        for (int seed = 1; seed <= count; seed++) {
            texts.add(model.complete("", params.withSampling(SamplingParams.defaults().withSeed(seed))).text());
        }
        return texts;
    }

    private static double meanTokens(TextModel model, List<String> texts) {
        return texts.stream().mapToInt(text -> model.tokenizer().encode(text).length).average().orElse(0);
    }

    /** What {@code forwardpass perplexity --file} computes for each document, one after another. */
    private static void scoreAsTheCommand(TextModel model, List<String> texts) {
        int context = model.contextLength();
        for (String text : texts) {
            Perplexity.of(model.model(), model.tokenizer().encode(text), context, context, scored -> {});
        }
    }

    /**
     * Runs {@code work} once untimed, then {@code runs} times, and prints its best and median rows per second, the
     * processors the median run kept busy (this JVM's CPU time over the wall time: fewer than the setting's threads
     * when the machine gave it less) and its rows per CPU-second; {@return the median run's rows per second and rows
     * per CPU-second}
     */
    private static Rates report(String setting, int rows, int runs, Runnable work) {
        work.run();
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double[][] timed = new double[runs][]; // (runs, 2): wall seconds, CPU seconds
        for (int i = 0; i < runs; i++) {
            long cpuStart = os.getProcessCpuTime();
            long start = System.nanoTime();
            work.run();
            timed[i] = new double[] {(System.nanoTime() - start) / 1e9, (os.getProcessCpuTime() - cpuStart) / 1e9};
        }
        Arrays.sort(timed, Comparator.comparingDouble(run -> run[0]));
        double[] median = timed[runs / 2];
        Rates rates = new Rates(rows / median[0], rows / median[1]);
        System.out.printf("%-70s %6.0f / %6.0f   %4.2f   %6.0f%n", setting, rows / timed[0][0], rates.perSecond(),
                median[1] / median[0], rates.perCpuSecond());
        return rates;
    }

    /** Rows per second of wall time, and per second of this JVM's CPU time. */
    private record Rates(double perSecond, double perCpuSecond) {}
}
