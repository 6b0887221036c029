package dev.forwardpass.cli;

import dev.forwardpass.models.text.TextModel;
import dev.forwardpass.server.OpenAiServer;
import dev.forwardpass.server.ServerOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code serve}: the model behind an OpenAI-compatible HTTP API until the process is stopped; SIGTERM or Ctrl-C
 * shuts it down in order (new requests refused, running ones given the shutdown timeout, then cancelled).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions, "
                + "/v1/models, /health, /metrics), with a chat page at /.")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--chat-template", paramLabel = "FILE",
            description = "A Jinja chat template to use instead of the model's own (chats need one).")
    Path chatTemplate;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for all).")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080",
            description = "TCP port (default: ${DEFAULT-VALUE}; 0 for any free one).")
    int port;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "4",
            description = "Most sequences generated at once (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--batching", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Decode the running sequences together, one batched forward pass per step (default); "
                    + "--no-batching runs each on a thread of its own, their steps taking turns.")
    boolean batching;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "16",
            description = "Most requests waiting for a slot; more get 503 with Retry-After (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:FORWARDPASS_API_KEY}",
            description = "Key every /v1 request must send as 'Authorization: Bearer KEY' (default: "
                    + "$FORWARDPASS_API_KEY, else none).")
    String apiKey;

    @Option(names = "--max-body-bytes", paramLabel = "N", defaultValue = "4194304",
            description = "Largest request body; larger ones get 413 (default: ${DEFAULT-VALUE}).")
    long maxBodyBytes;

    @Option(names = "--shutdown-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "On SIGTERM, how long running requests may finish before they are cancelled "
                    + "(default: ${DEFAULT-VALUE}).")
    long shutdownTimeout;

    private final Terminal terminal;

    ServeCommand(Terminal terminal) {
        this.terminal = terminal;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        String name = modelOptions.model == null ? "stories260K" : modelOptions.model.getFileName().toString();
        ServerOptions options = new ServerOptions(host, port, parallel, queue, maxBodyBytes, apiKey, name,
                Duration.ofSeconds(shutdownTimeout), batching);
        TextModel model = TextModel.load(modelOptions.textModel(chatTemplate));
        OpenAiServer server;
        try {
            server = OpenAiServer.start(model, options);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("serve-shutdown").unstarted(() -> {
            try {
                server.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                model.close();
            }
        }));
        terminal.err().println("Serving " + name + " at http://" + host + ":" + server.port() + "/ ("
                + parallel + " at once, " + queue + " queued); Ctrl-C stops.");
        terminal.err().flush();
        server.awaitShutdown();
        return 0;
    }
}
