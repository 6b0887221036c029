package dev.forwardpass.spark;

import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.decoder.Checkpoint;
import dev.forwardpass.models.text.TextModel;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;

/**
 * Which model the functions run, named by the driver in a form every executor can resolve. A file is either an
 * absolute path that every executor can read (a shared file system), or the bare name of a file shipped with
 * {@code spark-submit --files} or {@code SparkContext.addFile}, which Spark places on every executor and
 * {@link SparkFiles#get} finds there. Either way the executor maps the file where it is; nothing copies it per task.
 *
 * @param model the model file or Hugging Face folder; null for the embedded stories260K
 * @param tokenizer a tokenizer to use instead of the model's own; null for the model's
 * @param backend the backend's name ({@code java}, {@code djl}, {@code scalar})
 * @param threads threads each task's model computes with (an executor holds one model per task it runs at once);
 *     0 for the cores Spark gives a task, {@code spark.task.cpus}
 * @param maxContext the longest context a session allocates its KV cache for; 0 for the model's own
 */
public record ModelSpec(String model, String tokenizer, String backend, int threads, int maxContext)
        implements Serializable {

    /** Validates the settings as {@link TextModel.Options} does, on the driver. */
    public ModelSpec {
        new TextModel.Options(null, null, backend, threads, maxContext, null);
    }

    /** {@return the embedded stories260K on the java backend, a task's cores, a context of at most 8192} */
    public static ModelSpec embedded() {
        return new ModelSpec(null, null, "java", 0, ModelLoader.DEFAULT_CONTEXT_LIMIT);
    }

    /** {@return the model {@code model} names (see the class documentation), otherwise as {@link #embedded()}} */
    public static ModelSpec of(String model) {
        return embedded().withModel(model);
    }

    public ModelSpec withModel(String model) {
        return new ModelSpec(model, tokenizer, backend, threads, maxContext);
    }

    public ModelSpec withTokenizer(String tokenizer) {
        return new ModelSpec(model, tokenizer, backend, threads, maxContext);
    }

    public ModelSpec withBackend(String backend) {
        return new ModelSpec(model, tokenizer, backend, threads, maxContext);
    }

    public ModelSpec withThreads(int threads) {
        return new ModelSpec(model, tokenizer, backend, threads, maxContext);
    }

    public ModelSpec withMaxContext(int maxContext) {
        return new ModelSpec(model, tokenizer, backend, threads, maxContext);
    }

    /**
     * Reads the model's header and its tokenizer where this JVM finds them, without loading the weights: on the
     * driver, so that a missing or malformed model fails before any task runs.
     *
     * @throws java.nio.file.NoSuchFileException if a file is missing
     * @throws dev.forwardpass.models.format.ModelFormatException if a file is malformed, naming the file and field
     */
    void check() throws IOException {
        Path modelPath = resolve(model);
        try (Checkpoint<?> checkpoint = ModelLoader.openCheckpoint(modelPath, maxContext)) {
            ModelLoader.loadTokenizer(resolve(tokenizer), modelPath, checkpoint.config().vocabSize());
        }
    }

    /** {@return how this JVM loads the model}: the files where it finds them, the threads of a task's cores */
    TextModel.Options options() {
        int computeThreads = threads > 0 ? threads : taskCpus(SparkEnv.get().conf());
        return new TextModel.Options(resolve(model), resolve(tokenizer), backend, computeThreads, maxContext, null);
    }

    /** {@return the path of a file named as the class documentation says}, or null for null */
    private static Path resolve(String file) {
        if (file == null) {
            return null;
        }
        Path path = Path.of(file);
        return path.isAbsolute() ? path : Path.of(SparkFiles.get(file));
    }

    /**
     * {@return the cores Spark gives each task ({@code spark.task.cpus}, 1 when not set)}: the threads of each task's
     * model, so that the models of an executor's running tasks use its cores and no more
     */
    static int taskCpus(SparkConf conf) {
        return conf.getInt("spark.task.cpus", 1);
    }
}
