package dev.forwardpass.spark;

import dev.forwardpass.models.text.TextModel;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * The models of this JVM (an executor, or the driver in local mode), one for each task that runs at once: a task
 * borrows one for its partition and gives it back when it ends, so the executor holds as many models as it runs tasks
 * at once, and no task waits for another's forward pass (one shared model would run them one at a time, its backend
 * serving one op at a time). The weights are mapped, not copied, so the models of one file share them in the page
 * cache; each model adds its backend's threads and workspaces, and each session its KV cache. Spark gives an executor
 * no hook of its own, so the models live as long as the JVM.
 */
final class ExecutorModels {
    /**
     * The models no task holds now, keyed by what a spec resolves to under the running Spark (files, threads): a JVM
     * that starts Spark again with other settings (local mode) gets models loaded with those.
     */
    private static final Map<TextModel.Options, Deque<TextModel>> IDLE = new HashMap<>();

    private ExecutorModels() {}

    /**
     * {@return a model loaded with {@code options} that no other task holds}: one given back earlier, else a new one,
     * loaded on the caller's thread while other tasks borrow and give back. A load that fails is tried again by the
     * next task that asks.
     *
     * @throws IOException if the model or its tokenizer is missing or malformed
     */
    static TextModel borrow(TextModel.Options options) throws IOException {
        synchronized (IDLE) {
            Deque<TextModel> idle = IDLE.get(options);
            if (idle != null && !idle.isEmpty()) {
                return idle.pop();
            }
        }
        return TextModel.load(options);
    }

    /** Makes {@code model}, which {@link #borrow} gave for {@code options}, the next one it gives for them. */
    static void giveBack(TextModel.Options options, TextModel model) {
        synchronized (IDLE) {
            IDLE.computeIfAbsent(options, key -> new ArrayDeque<>()).push(model);
        }
    }
}
