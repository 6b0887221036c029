package dev.forwardpass.models.text;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.chat.ChatMessage;
import dev.forwardpass.models.chat.ChatTemplate;
import dev.forwardpass.models.chat.ChatTemplateException;
import dev.forwardpass.models.chat.ChatTemplates;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * A language model with its tokenizer, for text in and text out: the API an application uses.
 *
 * <pre>{@code
 * try (TextModel model = TextModel.load(TextModel.Options.defaults())) {     // the embedded stories260K
 *     model.complete("Once upon a time", GenerationParams.defaults().withMaxTokens(100), System.out::print);
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> A text model serves any number of generations at once, from any threads: each has its own
 * session (KV cache), and their forward passes take turns on the backend. A {@link Generation} itself is driven by one
 * thread.
 *
 * <p><b>Errors.</b> Loading throws {@link IOException} for a missing or unreadable file and
 * {@link dev.forwardpass.models.format.ModelFormatException} (an {@code IOException}) for a malformed one, naming the
 * file and the field. A bad parameter, or a prompt longer than the context, throws {@link IllegalArgumentException}
 * naming it, before anything runs.
 */
public final class TextModel implements AutoCloseable {
    private final Backend backend;
    private final LanguageModel model;
    private final Tokenizer tokenizer;
    private final boolean owned;
    /** Where the chat template comes from: read the first time a chat needs it, so completions never need one. */
    private final ChatTemplateSource chatTemplateSource;
    private ChatTemplate chatTemplate;
    private int[] endOfTurnTokens;

    /** Reads a chat template. */
    @FunctionalInterface
    private interface ChatTemplateSource {
        ChatTemplate read() throws IOException;
    }

    /**
     * Where the model comes from and what runs it.
     *
     * @param model a model file or Hugging Face folder (any format {@link ModelLoader} reads); null for the embedded
     *     stories260K
     * @param tokenizer a tokenizer to use instead of the model's own; null for the model's
     * @param backend the backend's name ({@code java}, {@code djl}, {@code scalar})
     * @param threads threads the backend computes with; 0 for all processors
     * @param maxContext the longest context a session allocates its KV cache for; 0 for the model's own
     * @param chatTemplate a file holding the Jinja chat template to use instead of the model's own; null for the
     *     model's
     */
    public record Options(Path model, Path tokenizer, String backend, int threads, int maxContext, Path chatTemplate) {
        public Options {
            if (backend == null || backend.isBlank()) {
                throw new IllegalArgumentException("backend must be named, e.g. \"java\"");
            }
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be >= 0 (0 = all processors), found " + threads);
            }
            if (maxContext < 0) {
                throw new IllegalArgumentException("max context must be >= 0 (0 = the model's), found " + maxContext);
            }
        }

        /** {@return the embedded model on the java backend, all processors, a context of at most 8192} */
        public static Options defaults() {
            return new Options(null, null, "java", 0, ModelLoader.DEFAULT_CONTEXT_LIMIT, null);
        }

        public Options withModel(Path model) {
            return new Options(model, tokenizer, backend, threads, maxContext, chatTemplate);
        }

        public Options withTokenizer(Path tokenizer) {
            return new Options(model, tokenizer, backend, threads, maxContext, chatTemplate);
        }

        public Options withBackend(String backend) {
            return new Options(model, tokenizer, backend, threads, maxContext, chatTemplate);
        }

        public Options withThreads(int threads) {
            return new Options(model, tokenizer, backend, threads, maxContext, chatTemplate);
        }

        public Options withMaxContext(int maxContext) {
            return new Options(model, tokenizer, backend, threads, maxContext, chatTemplate);
        }

        public Options withChatTemplate(Path chatTemplate) {
            return new Options(model, tokenizer, backend, threads, maxContext, chatTemplate);
        }
    }

    private TextModel(Backend backend, LanguageModel model, Tokenizer tokenizer, boolean owned,
            ChatTemplateSource chatTemplateSource) {
        this.backend = backend;
        this.model = model;
        this.tokenizer = tokenizer;
        this.owned = owned;
        this.chatTemplateSource = chatTemplateSource;
    }

    /** {@return the model {@code options} name, loaded on a backend of its own}; closing it releases both */
    public static TextModel load(Options options) throws IOException {
        Backend backend = Backends.get(options.backend(),
                options.threads() == 0 ? BackendOptions.defaults() : BackendOptions.withThreads(options.threads()));
        LanguageModel model = null;
        try {
            model = ModelLoader.loadModel(options.model(), backend, options.maxContext());
            Tokenizer tokenizer = ModelLoader.loadTokenizer(options.tokenizer(), options.model(), model);
            return new TextModel(backend, model, tokenizer, true, () -> options.chatTemplate() != null
                    ? ChatTemplates.fromFile(options.chatTemplate(), tokenizer)
                    : ChatTemplates.of(options.model(), tokenizer));
        } catch (IOException | RuntimeException e) {
            if (model != null) {
                model.close();
            }
            backend.close();
            throw e;
        }
    }

    /** {@return the model at {@code model} (a file or folder; null for the embedded one) on the java backend} */
    public static TextModel load(Path model) throws IOException {
        return load(Options.defaults().withModel(model));
    }

    /**
     * {@return a text model over a model and tokenizer loaded by the caller}, who keeps them and closes them; it chats
     * with {@code chatTemplate}, or not at all when that is null
     */
    public static TextModel of(LanguageModel model, Tokenizer tokenizer, ChatTemplate chatTemplate) {
        return new TextModel(null, model, tokenizer, false, () -> {
            if (chatTemplate == null) {
                throw new ChatTemplateException(model.source() + " has no chat template: pass one with "
                        + "--chat-template FILE");
            }
            return chatTemplate;
        });
    }

    /** {@return a text model over a model and tokenizer loaded by the caller} (see {@link #of(LanguageModel,
     * Tokenizer, ChatTemplate)}), without a chat template */
    public static TextModel of(LanguageModel model, Tokenizer tokenizer) {
        return of(model, tokenizer, null);
    }

    /** {@return the continuation of {@code prompt}} (blocking) */
    public Completion complete(String prompt, GenerationParams params) {
        return newCompletion(prompt, params).run(piece -> {});
    }

    /** {@return the continuation of {@code prompt}}, each piece of text handed to {@code onText} as it is made */
    public Completion complete(String prompt, GenerationParams params, Consumer<String> onText) {
        return newCompletion(prompt, params).run(onText);
    }

    /**
     * {@return a generation that continues {@code prompt}} (encoded with the tokenizer's BOS; an empty prompt starts
     * from BOS), not started yet: run it, stream it, or cancel it from another thread
     *
     * @throws IllegalArgumentException if the prompt is longer than the model's context
     */
    public Generation newCompletion(String prompt, GenerationParams params) {
        return newGeneration(encodePrompt(prompt), params);
    }

    /** {@return the tokens of a prompt}: with the tokenizer's BOS; an empty prompt is BOS alone if there is one */
    int[] encodePrompt(String prompt) {
        int[] tokens = tokenizer.encode(prompt);
        OptionalInt bos = tokenizer.bosToken();
        if (tokens.length == 0 && bos.isPresent()) {
            // a tokenizer that adds no BOS (GPT-2's) starts an empty prompt from it, as Hugging Face does
            tokens = new int[] {bos.getAsInt()};
        }
        if (tokens.length == 0) {
            throw new IllegalArgumentException("the prompt encodes to no tokens; need at least one");
        }
        return tokens;
    }

    /** {@return a generation that continues these prompt tokens}, run as they are (no BOS added) */
    public Generation newGeneration(int[] promptTokens, GenerationParams params) {
        return new Generation(model, tokenizer, promptTokens, params, tokenizer::stopsGeneration);
    }

    /** {@return the assistant's answer to {@code messages}} (blocking) */
    public Completion chat(List<ChatMessage> messages, GenerationParams params) {
        return newChat(messages, params).run(piece -> {});
    }

    /** {@return the assistant's answer to {@code messages}}, each piece of text handed to {@code onText} as it is made */
    public Completion chat(List<ChatMessage> messages, GenerationParams params, Consumer<String> onText) {
        return newChat(messages, params).run(onText);
    }

    /**
     * {@return a generation of the assistant's answer to {@code messages}}, not started yet: the conversation rendered
     * by the model's chat template with the assistant's turn opened, its control tokens parsed as the tokenizer
     * defines them; it stops at the end of the assistant's turn (the template's end-of-turn tokens)
     *
     * @throws ChatTemplateException if there is no chat template, or the template refuses the conversation
     * @throws IllegalArgumentException if the conversation is longer than the model's context
     * @throws UncheckedIOException if the model's chat template cannot be read
     */
    public Generation newChat(List<ChatMessage> messages, GenerationParams params) {
        ChatTemplate template = chatTemplate();
        int[] promptTokens = template.encode(tokenizer, messages, true);
        int[] turnEnds = endOfTurnTokens;
        return new Generation(model, tokenizer, promptTokens, params,
                token -> Arrays.binarySearch(turnEnds, token) >= 0);
    }

    private synchronized ChatTemplate chatTemplate() {
        if (chatTemplate == null) {
            try {
                chatTemplate = chatTemplateSource.read();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            endOfTurnTokens = ChatTemplates.endOfTurnTokens(tokenizer);
        }
        return chatTemplate;
    }

    /** {@return the model} */
    public LanguageModel model() {
        return model;
    }

    /** {@return the tokenizer} */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** {@return the longest sequence, prompt and generated tokens together} */
    public int contextLength() {
        return model.seqLen();
    }

    /** Releases the model and its backend, if this text model loaded them. */
    @Override
    public void close() {
        if (owned) {
            model.close();
            backend.close();
        }
    }
}
