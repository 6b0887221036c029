package dev.forwardpass.spark;

import dev.forwardpass.models.text.TextModel;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The models of this JVM (an executor, or the driver in local mode): each loaded by the first task that needs it and
 * then shared by every task of the JVM, since a text model serves many sessions at once and its weights are mapped,
 * not copied. Spark gives an executor no hook of its own, so the models live as long as the JVM.
 */
final class ExecutorModels {
    /**
     * Keyed by what a spec resolves to under the running Spark (files, threads): a JVM that starts Spark again with
     * other cores (local mode) gets a model with that many threads.
     */
    private static final Map<TextModel.Options, TextModel> LOADED = new HashMap<>();

    private ExecutorModels() {}

    /**
     * {@return the model {@code spec} names}, loading it if no task of this JVM has; the tasks that ask meanwhile wait
     * for it. A load that fails is tried again by the next task that asks.
     *
     * @throws IOException if the model or its tokenizer is missing or malformed
     */
    static synchronized TextModel get(ModelSpec spec) throws IOException {
        TextModel.Options options = spec.options();
        TextModel model = LOADED.get(options);
        if (model == null) {
            model = TextModel.load(options);
            LOADED.put(options, model);
        }
        return model;
    }
}
