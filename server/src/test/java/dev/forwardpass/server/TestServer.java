package dev.forwardpass.server;

import dev.forwardpass.models.chat.ChatTemplates;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.text.GenerationParams;
import dev.forwardpass.models.text.TextModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A server on a free port of this machine, over a model of the tests, with a plain HTTP client beside it. */
final class TestServer implements AutoCloseable {
    /** A chat template for stories260K: the messages one a line, then the start of a story for the answer. */
    static final String CHAT_TEMPLATE = "{% for m in messages %}{{ m['content'] }}\n{% endfor %}"
            + "{% if add_generation_prompt %}Once upon a time{% endif %}";

    final OpenAiServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private TestServer(OpenAiServer server) {
        this.server = server;
    }

    /** {@return stories260K on {@code backend}, one thread, chatting with {@link #CHAT_TEMPLATE} if asked} */
    static TextModel stories(String backend, boolean withChatTemplate) throws IOException {
        TextModel.Options options = TextModel.Options.defaults().withBackend(backend).withThreads(1);
        return TextModel.load(withChatTemplate ? options.withChatTemplate(chatTemplateFile()) : options);
    }

    /** {@return a new temporary file holding {@link #CHAT_TEMPLATE}} */
    private static Path chatTemplateFile() throws IOException {
        Path template = Files.createTempFile("chat-template", ".jinja");
        template.toFile().deleteOnExit();
        return Files.writeString(template, CHAT_TEMPLATE);
    }

    /** {@return the options of a test server: any free port, {@code parallel} at once, {@code queue} waiting} */
    static ServerOptions options(int parallel, int queue) {
        return ServerOptions.defaults("stories260K").withPort(0).withParallel(parallel).withQueue(queue)
                .withShutdownDeadline(Duration.ofSeconds(5));
    }

    /** {@return greedy decoding of up to {@code maxTokens} tokens} */
    static GenerationParams greedy(int maxTokens) {
        return GenerationParams.defaults().withMaxTokens(maxTokens).withSampling(SamplingParams.greedy());
    }

    static TestServer start(TextModel model, ServerOptions options) {
        return new TestServer(OpenAiServer.start(model, options));
    }

    /**
     * {@return {@code model} with {@code pause} run before each forward pass and prefill: slow, or held at a gate},
     * chatting with {@link #CHAT_TEMPLATE}
     */
    static TextModel pausing(TextModel model, Runnable pause) throws IOException {
        return TextModel.of(new PausingModel(model.model(), pause), model.tokenizer(),
                ChatTemplates.fromFile(chatTemplateFile(), model.tokenizer()));
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url(path))).GET().build());
    }

    HttpResponse<String> post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(url(path)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@return the value of one sample of /metrics} */
    double metric(String series) {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        throw new AssertionError("no metric " + series + " in /metrics");
    }

    @Override
    public void close() throws InterruptedException {
        server.close();
        http.close();
    }

    /** A session that runs {@code pause} before each step. */
    private record PausingSession(LanguageModel.Session session, Runnable pause) implements LanguageModel.Session {
        @Override
        public float[] forward(int token, int pos) {
            pause.run();
            return session.forward(token, pos);
        }

        @Override
        public float[] prefill(int[] tokens, int pos) {
            pause.run();
            return session.prefill(tokens, pos);
        }

        @Override
        public void close() {
            session.close();
        }
    }

    /** A model that runs {@code pause} before each step of each session, and before each batched step. */
    private record PausingModel(LanguageModel model, Runnable pause) implements LanguageModel {
        @Override
        public String architecture() {
            return model.architecture();
        }

        @Override
        public Record config() {
            return model.config();
        }

        @Override
        public int vocabSize() {
            return model.vocabSize();
        }

        @Override
        public int seqLen() {
            return model.seqLen();
        }

        @Override
        public long parameterCount() {
            return model.parameterCount();
        }

        @Override
        public long weightBytes() {
            return model.weightBytes();
        }

        @Override
        public String source() {
            return model.source();
        }

        @Override
        public Session newSession() {
            return new PausingSession(model.newSession(), pause);
        }

        @Override
        public void decode(List<Session> sessions, int[] tokens, int[] positions, LogitsSink sink) {
            pause.run();
            model.decode(sessions.stream().<Session>map(session -> ((PausingSession) session).session()).toList(), tokens,
                    positions, sink);
        }

        @Override
        public void close() {
            // the wrapped model belongs to the test
        }
    }
}
