package dev.forwardpass.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forwardpass.models.chat.ChatTemplateException;
import dev.forwardpass.models.text.Completion;
import dev.forwardpass.models.text.FinishReason;
import dev.forwardpass.models.text.PromptTooLongException;
import dev.forwardpass.models.text.TokenLogprobs;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/completions}: reads the request, submits it to the engine,
 * and answers with one JSON response or a stream of server-sent events ({@code data:} chunks, then
 * {@code data: [DONE]}). A streaming client that goes away cancels its sequence: the next chunk that cannot be written
 * cancels it, and the sequence ends before its next step.
 */
final class CompletionEndpoint implements Handler {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final Dialect dialect;
    private final Engine engine;
    private final ServerMetrics metrics;
    private final String modelName;
    private final int contextLength;
    private final long maxBodyBytes;

    CompletionEndpoint(Dialect dialect, Engine engine, ServerMetrics metrics, String modelName, int contextLength,
            long maxBodyBytes) {
        this.dialect = dialect;
        this.engine = engine;
        this.metrics = metrics;
        this.modelName = modelName;
        this.contextLength = contextLength;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void handle(Context ctx) throws IOException, InterruptedException {
        metrics.request(dialect.endpoint());
        CompletionRequest request = dialect.read(JsonFields.parse(body(ctx)), contextLength);
        Sequence sequence = submit(request);
        Reply reply = dialect.reply(modelName, request);
        try {
            if (request.stream()) {
                stream(ctx, sequence, reply, request.includeUsage());
            } else {
                respond(ctx, sequence, reply);
            }
        } catch (InterruptedException e) {
            sequence.cancel();
            throw e;
        }
    }

    /** {@return the request body}, refused with 413 beyond the limit (whether or not it announced its length) */
    private byte[] body(Context ctx) throws IOException {
        if (ctx.req().getContentLengthLong() > maxBodyBytes) {
            throw tooLarge();
        }
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (body.length > maxBodyBytes) {
                throw tooLarge();
            }
            return body;
        }
    }

    private ApiException tooLarge() {
        return new ApiException(413, "invalid_request_error", null, "request_too_large",
                "the request body is larger than the server's limit of " + maxBodyBytes + " bytes");
    }

    private Sequence submit(CompletionRequest request) {
        try {
            return dialect.submit(engine, request);
        } catch (EngineBusyException e) {
            metrics.rejected();
            throw ApiException.busy(e.getMessage());
        } catch (PromptTooLongException e) {
            throw new ApiException(400, "invalid_request_error", dialect.promptField(), "context_length_exceeded",
                    "This model's maximum context length is " + e.contextLength() + " tokens; the "
                            + dialect.promptField() + " are " + e.promptTokens() + " tokens.");
        } catch (ChatTemplateException e) {
            throw ApiException.badRequest("messages", "messages: the model cannot chat: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            // a parameter that does not fit this model, such as a logit_bias token outside its vocabulary
            throw ApiException.badRequest(null, e.getMessage());
        }
    }

    /** Collects the whole result and answers with one JSON object. */
    private void respond(Context ctx, Sequence sequence, Reply reply) throws InterruptedException {
        List<TokenLogprobs> logprobs = new ArrayList<>();
        while (true) {
            switch (sequence.next()) {
                case SequenceEvent.Text text -> {
                    metrics.step();
                    if (text.logprobs() != null) {
                        logprobs.add(text.logprobs());
                    }
                }
                case SequenceEvent.Finished finished -> {
                    Completion completion = ended(finished.completion());
                    OpenAiServer.json(ctx, 200, reply.whole(completion, logprobs));
                    return;
                }
                case SequenceEvent.Failed failed -> throw failure(failed);
            }
        }
    }

    /** Streams the chunks as server-sent events, as they are made. */
    private void stream(Context ctx, Sequence sequence, Reply reply, boolean includeUsage)
            throws InterruptedException {
        ctx.status(200);
        ctx.contentType("text/event-stream; charset=utf-8");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        try {
            OutputStream out = ctx.res().getOutputStream();
            ObjectNode opening = reply.opening();
            if (opening != null) {
                send(out, opening);
            }
            while (true) {
                switch (sequence.next()) {
                    case SequenceEvent.Text text -> {
                        metrics.step();
                        send(out, reply.chunk(text.text(), text.logprobs()));
                    }
                    case SequenceEvent.Finished finished -> {
                        try {
                            Completion completion = ended(finished.completion());
                            send(out, reply.closing(completion.finishReason()));
                            if (includeUsage) {
                                send(out, reply.usageChunk(completion));
                            }
                        } catch (ApiException e) {
                            send(out, e.body());
                        }
                        out.write(DONE);
                        out.close(); // the last chunk goes out now, not when the server next gets to it
                        return;
                    }
                    case SequenceEvent.Failed failed -> {
                        send(out, failure(failed).body());
                        out.close();
                        return;
                    }
                }
            }
        } catch (IOException clientGone) {
            sequence.cancel();
            drain(sequence);
        }
    }

    private static void send(OutputStream out, ObjectNode event) throws IOException {
        out.write(("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Waits for a cancelled sequence to end (within a step), counting it. */
    private void drain(Sequence sequence) throws InterruptedException {
        while (true) {
            switch (sequence.next()) {
                case SequenceEvent.Text text -> metrics.step();
                case SequenceEvent.Finished finished -> {
                    metrics.finished(finished.completion());
                    return;
                }
                case SequenceEvent.Failed failed -> {
                    metrics.failed();
                    return;
                }
            }
        }
    }

    /** {@return the completion, counted}; one cancelled by the server's shutdown is a 503 */
    private Completion ended(Completion completion) {
        metrics.finished(completion);
        if (completion.finishReason() == FinishReason.CANCELLED) {
            throw ApiException.busy("the server is shutting down: the sequence was cancelled");
        }
        return completion;
    }

    private ApiException failure(SequenceEvent.Failed failed) {
        metrics.failed();
        return new ApiException(500, "server_error", null, null, "the model failed: " + failed.error());
    }
}
