package dev.forwardpass.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forwardpass.models.text.TextModel;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The OpenAI-compatible HTTP server: routes, the API key, errors as OpenAI's error objects, and an orderly shutdown.
 * It serves a model the caller loaded and still owns.
 *
 * <pre>{@code
 * try (TextModel model = TextModel.load(TextModel.Options.defaults());
 *         OpenAiServer server = OpenAiServer.start(model, ServerOptions.defaults("stories260K"))) {
 *     server.awaitShutdown();
 * }
 * }</pre>
 */
public final class OpenAiServer implements AutoCloseable {
    private static final String PAGE = "index.html";

    /** How long a shutdown waits, once every sequence has ended, for the responses to be written out. */
    private static final Duration RESPONSE_GRACE = Duration.ofSeconds(2);

    private final Javalin app;
    private final Engine engine;
    private final ServerOptions options;
    private final byte[] page;
    private volatile boolean shuttingDown;
    private boolean closed;
    /** Completion requests whose handler has not returned: a stream's last events are still being written. */
    private final AtomicInteger answering = new AtomicInteger();

    private OpenAiServer(Engine engine, ServerMetrics metrics, int contextLength, ServerOptions options) {
        this.engine = engine;
        this.options = options;
        this.page = resource(PAGE);
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            // each SSE chunk goes out as it is written
            config.http.compressionStrategy = CompressionStrategy.NONE;
            config.jetty.host = options.host();
            config.jetty.port = options.port();
            config.routes.before("/v1/*", this::authorize);
            config.routes.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(page));
            config.routes.get("/health", this::health);
            config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.exposition()));
            config.routes.get("/v1/models", this::models);
            config.routes.post("/v1/chat/completions", counted(new CompletionEndpoint(Dialect.CHAT, engine, metrics,
                    options.modelName(), contextLength, options.maxBodyBytes())));
            config.routes.post("/v1/completions", counted(new CompletionEndpoint(Dialect.TEXT, engine, metrics,
                    options.modelName(), contextLength, options.maxBodyBytes())));
            config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e));
            config.routes.exception(Exception.class, (e, ctx) ->
                    error(ctx, new ApiException(500, "server_error", null, null, "internal error: " + e)));
            config.routes.error(404, ctx -> error(ctx, new ApiException(404, "invalid_request_error", null,
                    "unknown_url", "Unknown request URL: " + ctx.method() + " " + ctx.path())));
        });
    }

    /** {@return a server for {@code model}, started and listening} (the caller keeps the model, and closes it after) */
    public static OpenAiServer start(TextModel model, ServerOptions options) {
        Engine engine = options.batching()
                ? new BatchedEngine(model, options.parallel(), options.queue())
                : new ThreadedEngine(model, options.parallel(), options.queue());
        OpenAiServer server = new OpenAiServer(engine, new ServerMetrics(engine), model.contextLength(), options);
        server.app.start();
        return server;
    }

    /** {@return the port the server listens on} (the one chosen when the options asked for any) */
    public int port() {
        return app.port();
    }

    /**
     * Shuts down: refuses new requests with 503, lets the admitted sequences finish within the shutdown deadline,
     * cancels those still running (their streams end with an error event), then stops listening.
     */
    @Override
    public synchronized void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        shuttingDown = true;
        engine.shutdown(options.shutdownDeadline());
        // every sequence has ended; let the handlers write their streams' last events before the connections close
        long end = System.nanoTime() + RESPONSE_GRACE.toNanos();
        synchronized (answering) {
            for (long left; answering.get() > 0 && (left = end - System.nanoTime()) > 0; ) {
                answering.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
        app.stop();
        notifyAll();
    }

    /** {@return {@code endpoint}, counted in {@link #answering} while it runs} */
    private Handler counted(Handler endpoint) {
        return ctx -> {
            answering.incrementAndGet();
            try {
                endpoint.handle(ctx);
            } finally {
                synchronized (answering) {
                    answering.decrementAndGet();
                    answering.notifyAll();
                }
            }
        };
    }

    /** Waits until the server has been closed (from another thread, e.g. a shutdown hook). */
    public synchronized void awaitShutdown() throws InterruptedException {
        while (!closed) {
            wait();
        }
    }

    private void authorize(Context ctx) {
        if (options.apiKey() == null) {
            return;
        }
        String expected = "Bearer " + options.apiKey();
        String given = Objects.requireNonNullElse(ctx.header("Authorization"), "");
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(401, "invalid_request_error", null, "invalid_api_key",
                    "a valid API key is needed: send the header 'Authorization: Bearer KEY'");
        }
    }

    private void health(Context ctx) {
        ObjectNode status = JsonNodeFactory.instance.objectNode().put("status", shuttingDown ? "shutting down" : "ok");
        json(ctx, shuttingDown ? 503 : 200, status);
    }

    private void models(Context ctx) {
        ObjectNode list = JsonNodeFactory.instance.objectNode().put("object", "list");
        list.putArray("data").addObject()
                .put("id", options.modelName())
                .put("object", "model")
                .put("created", 0)
                .put("owned_by", "forwardpass");
        json(ctx, 200, list);
    }

    private static void error(Context ctx, ApiException e) {
        if (e.retryable()) {
            ctx.header("Retry-After", "1");
        }
        json(ctx, e.status(), e.body());
    }

    /** Answers with {@code body} as JSON. */
    static void json(Context ctx, int status, ObjectNode body) {
        ctx.status(status).contentType("application/json").result(body.toString());
    }

    private static byte[] resource(String name) {
        try (InputStream in = OpenAiServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the server's resource " + name + " is missing from its jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
