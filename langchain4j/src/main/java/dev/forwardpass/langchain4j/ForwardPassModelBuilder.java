package dev.forwardpass.langchain4j;

import dev.forwardpass.models.text.TextModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * What both chat models are built from: a loaded {@link TextModel}, or where to load one (model, backend, threads,
 * chat template), and the defaults of every request (a request's own parameters win). Unset, the model is the
 * embedded stories260K on the java backend with all processors, and sampling is llama.cpp's, with a fresh random seed
 * for each request and at most 256 new tokens.
 *
 * @param <M> the chat model it builds: {@link ForwardPassChatModel} or {@link ForwardPassStreamingChatModel}
 */
public final class ForwardPassModelBuilder<M> {
    private final Function<TextModelChat, M> newModel;
    private TextModel textModel;
    private TextModel.Options options = TextModel.Options.defaults();
    private boolean loadOptionsSet;
    private String modelName;
    private final DefaultChatRequestParameters.Builder<?> defaults = ChatRequestParameters.builder();
    private Long seed;
    private List<ChatModelListener> listeners = List.of();

    ForwardPassModelBuilder(Function<TextModelChat, M> newModel) {
        this.newModel = newModel;
    }

    /** Runs on {@code model}, which the caller keeps and closes; instead of loading one. */
    public ForwardPassModelBuilder<M> textModel(TextModel model) {
        this.textModel = model;
        return this;
    }

    /** Loads the model file or Hugging Face folder at {@code model} (null: the embedded stories260K). */
    public ForwardPassModelBuilder<M> modelPath(Path model) {
        return load(options.withModel(model));
    }

    /** Loads the model on the backend named {@code backend} ({@code java}, {@code djl}, {@code scalar}). */
    public ForwardPassModelBuilder<M> backend(String backend) {
        return load(options.withBackend(backend));
    }

    /** Loads the model on a backend computing with {@code threads} threads (0: all processors). */
    public ForwardPassModelBuilder<M> threads(int threads) {
        return load(options.withThreads(threads));
    }

    /** Loads the model with the Jinja chat template in {@code template} instead of the model's own. */
    public ForwardPassModelBuilder<M> chatTemplate(Path template) {
        return load(options.withChatTemplate(template));
    }

    /**
     * The name responses report and requests may ask for; by default the loaded model's file name (stories260K for the
     * embedded one), or "forwardpass" for a given text model.
     */
    public ForwardPassModelBuilder<M> modelName(String modelName) {
        this.modelName = modelName;
        return this;
    }

    /** The default temperature (0: greedy). */
    public ForwardPassModelBuilder<M> temperature(double temperature) {
        defaults.temperature(temperature);
        return this;
    }

    /** The default top-p (1: off). */
    public ForwardPassModelBuilder<M> topP(double topP) {
        defaults.topP(topP);
        return this;
    }

    /** The default top-k (0: off). */
    public ForwardPassModelBuilder<M> topK(int topK) {
        defaults.topK(topK);
        return this;
    }

    /** The default budget of new tokens. */
    public ForwardPassModelBuilder<M> maxTokens(int maxTokens) {
        defaults.maxOutputTokens(maxTokens);
        return this;
    }

    /** The default stop strings, which end the text where they appear and are not part of it. */
    public ForwardPassModelBuilder<M> stop(List<String> stop) {
        defaults.stopSequences(stop);
        return this;
    }

    /** The sampling seed of every request (> 0), which makes sampling repeatable. */
    public ForwardPassModelBuilder<M> seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** LangChain4j's observers of every request and response. */
    public ForwardPassModelBuilder<M> listeners(List<ChatModelListener> listeners) {
        this.listeners = listeners;
        return this;
    }

    /**
     * {@return the chat model}, on the given text model or one loaded now
     *
     * @throws IllegalStateException if both a text model and where to load one were given
     * @throws IllegalArgumentException for a bad default
     * @throws UncheckedIOException if the model cannot be loaded
     */
    public M build() {
        if (textModel != null && loadOptionsSet) {
            throw new IllegalStateException("give a loaded textModel or where to load one (modelPath, backend, "
                    + "threads, chatTemplate), not both");
        }
        boolean owned = textModel == null;
        String name = modelName != null ? modelName : owned ? loadedName() : "forwardpass";
        ChatRequestParameters requestDefaults = defaults.modelName(name).build();
        ChatRequests.generationParams(requestDefaults, seed); // a bad default is refused before a model is loaded
        TextModel model = owned ? load() : textModel;
        return newModel.apply(new TextModelChat(model, owned, name, requestDefaults, seed, listeners));
    }

    private TextModel load() {
        try {
            return TextModel.load(options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String loadedName() {
        Path model = options.model();
        return model == null || model.getFileName() == null ? "stories260K" : model.getFileName().toString();
    }

    private ForwardPassModelBuilder<M> load(TextModel.Options options) {
        this.options = options;
        this.loadOptionsSet = true;
        return this;
    }
}
