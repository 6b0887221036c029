package dev.forwardpass.cli;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.text.TextModel;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every model command shares: which weights, which tokenizer, which backend, how many threads. */
final class ModelOptions {
    /** Below this size of a model file a second thread costs more in hand-offs than it computes. */
    private static final int ONE_THREAD_BELOW_MB = 4;

    @Option(names = "--model", paramLabel = "PATH",
            description = "Model: a Hugging Face folder (config.json + safetensors) or a llama2.c checkpoint (.bin). "
                    + "Default: the embedded stories260K model.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "Tokenizer: a folder with tokenizer.json or vocab.json + merges.txt, a tokenizer.json, or a "
                    + "llama2.c tokenizer (.bin). Default: the model folder's, the embedded model's, or tokenizer.bin "
                    + "beside a llama2.c --model.")
    Path tokenizer;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "java",
            description = "Backend to compute with: ${sys:forwardpass.backends} (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--threads", paramLabel = "N",
            description = "Threads the backend computes with (default: 1 for a model file under " + ONE_THREAD_BELOW_MB
                    + " MB, as the embedded one; else all ${sys:forwardpass.processors} processors).")
    Integer threads;

    @Option(names = "--max-context", paramLabel = "N",
            description = "Longest context of a Hugging Face model's session (its KV cache is allocated up front); "
                    + "0 = the model's own (default: the model's, at most 8192).")
    Integer maxContext;

    @Option(names = "--verbose", description = "Print the stack trace of an error.")
    boolean verbose;

    /** {@return a new backend as chosen; the caller closes it} */
    Backend openBackend() throws IOException {
        return Backends.get(backend, BackendOptions.withThreads(threadCount()));
    }

    /** {@return --threads if given, else 1 for a small model file (the embedded one too), else every processor} */
    private int threadCount() throws IOException {
        boolean small = model == null || Files.isRegularFile(model) && Files.size(model) < ONE_THREAD_BELOW_MB << 20;
        return threads != null ? threads : small ? 1 : Runtime.getRuntime().availableProcessors();
    }

    /** {@return the model on {@code on}; the caller closes it} */
    LanguageModel loadModel(Backend on) throws IOException {
        return ModelLoader.loadModel(model, on, contextLimit());
    }

    /** {@return the model's empty twin on {@code on} (fresh weights seeded by {@code seed}); the caller closes it} */
    LanguageModel loadEmpty(Backend on, long seed) throws IOException {
        return ModelLoader.loadEmpty(model, on, seed, contextLimit());
    }

    private int contextLimit() {
        return maxContext != null ? maxContext : ModelLoader.DEFAULT_CONTEXT_LIMIT;
    }

    /** {@return these options as the text API takes them}, chatting with {@code chatTemplate} (null: the model's) */
    TextModel.Options textModel(Path chatTemplate) throws IOException {
        return new TextModel.Options(model, tokenizer, backend, threadCount(), contextLimit(), chatTemplate);
    }

    /** {@return the tokenizer for {@code loaded}} */
    Tokenizer loadTokenizer(LanguageModel loaded) throws IOException {
        return ModelLoader.loadTokenizer(tokenizer, model, loaded);
    }
}
