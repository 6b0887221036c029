package dev.forwardpass.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forwardpass.models.text.TextModel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Limits and faults: a full server, clients that go away, malformed requests, keys, sizes, shutdown. */
class FaultsTest {
    private static TextModel model;

    @BeforeAll
    static void load() throws Exception {
        model = TestServer.stories("java", true);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void beyondTheSlotsAndTheQueueRequestsGet503AndNoneIsLost() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        TextModel held = TestServer.pausing(model, () -> await(gate));
        try (TestServer server = TestServer.start(held, TestServer.options(8, 4))) {
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                responses.add(server.http.sendAsync(HttpRequest.newBuilder(URI.create(server.url("/v1/completions")))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Once\", \"max_tokens\": 8}")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            // 8 running, held at the gate, and 4 waiting: every other request is refused at once
            waitFor(() -> responses.stream().filter(CompletableFuture::isDone).count() == 52);
            assertEquals(8, server.metric("forwardpass_active_sequences"));
            assertEquals(4, server.metric("forwardpass_queue_depth"));
            gate.countDown();
            int completed = 0;
            int refused = 0;
            for (CompletableFuture<HttpResponse<String>> response : responses) {
                HttpResponse<String> answer = response.get(20, TimeUnit.SECONDS);
                if (answer.statusCode() == 503) {
                    refused++;
                    assertEquals("1", answer.headers().firstValue("Retry-After").orElseThrow());
                    assertEquals("server_busy", error(answer).get("code").asText());
                } else {
                    assertEquals(200, answer.statusCode(), answer.body());
                    completed++;
                }
            }
            assertEquals(12, completed);
            assertEquals(52, refused);
            assertEquals(52, server.metric("forwardpass_requests_rejected_total"));
            assertEquals(0, server.metric("forwardpass_active_sequences"));
        }
    }

    @Test
    void clientsThatDisconnectMidStreamLeaveNoActiveSequence() throws Exception {
        // 5 ms a step: each stream would take 2.5 s to its 500 tokens
        TextModel slow = TestServer.pausing(model, () -> sleep(5));
        try (TestServer server = TestServer.start(slow, TestServer.options(20, 0))) {
            List<CompletableFuture<Void>> clients = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                clients.add(CompletableFuture.runAsync(() -> readFirstChunkAndHangUp(server.server.port())));
            }
            CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            waitFor(() -> server.metric("forwardpass_sequences_finished_total{reason=\"cancelled\"}") == 20);
            assertEquals(0, server.metric("forwardpass_active_sequences"));
            assertEquals(0, server.metric("forwardpass_queue_depth"));
            assertTrue(System.nanoTime() - start < Duration.ofMillis(2000).toNanos(),
                    "cancelled well before the streams would have ended");
        }
    }

    /** Opens a stream on a raw socket, reads its first content chunk, and closes the connection. */
    private static void readFirstChunkAndHangUp(int port) {
        String body = "{\"prompt\": \"Once\", \"max_tokens\": 500, \"stream\": true}";
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                if (line.contains("data: {")) {
                    return;
                }
            }
            throw new AssertionError("the stream ended before its first chunk");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Twenty kinds of malformed bodies, each with the field a 400 must name (null: the body as a whole). */
    private static final List<Map.Entry<String, String>> MALFORMED = List.of(
            Map.entry("{\"messages\": [", ""),
            Map.entry("[1, 2]", ""),
            Map.entry("{}", "messages"),
            Map.entry("{\"messages\": \"hi\"}", "messages"),
            Map.entry("{\"messages\": [42]}", "messages[0]"),
            Map.entry("{\"messages\": [{\"content\": \"hi\"}]}", "messages[0].role"),
            Map.entry("{\"messages\": [{\"role\": \"robot\", \"content\": \"hi\"}]}", "messages[0].role"),
            Map.entry("{\"messages\": [{\"role\": \"user\", \"content\": 7}]}", "messages[0].content"),
            Map.entry("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", "
                    + "\"image_url\": {\"url\": \"x\"}}]}]}", "messages[0].content[0].type"),
            Map.entry(chat("\"max_tokens\": \"ten\""), "max_tokens"),
            Map.entry(chat("\"max_completion_tokens\": 0"), "max_completion_tokens"),
            Map.entry(chat("\"temperature\": \"hot\""), "temperature"),
            Map.entry(chat("\"temperature\": -1"), "temperature"),
            Map.entry(chat("\"top_p\": 1.5"), "top_p"),
            Map.entry(chat("\"stop\": [\"end\", 3]"), "stop[1]"),
            Map.entry(chat("\"seed\": 1.5"), "seed"),
            Map.entry(chat("\"logit_bias\": {\"abc\": 1}"), "logit_bias.abc"),
            Map.entry(chat("\"logprobs\": \"yes\""), "logprobs"),
            Map.entry(chat("\"logprobs\": true, \"top_logprobs\": 21"), "top_logprobs"),
            Map.entry(chat("\"stream\": 1"), "stream"),
            Map.entry(chat("\"presence_penalty\": 3"), "presence_penalty"),
            Map.entry(chat("\"n\": 2"), "n"),
            Map.entry(chat("\"stream_options\": {\"include_usage\": \"yes\"}"), "stream_options.include_usage"));

    private static String chat(String field) {
        return "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], " + field + "}";
    }

    @Test
    void malformedRequestsGet400NamingTheField() throws Exception {
        try (TestServer server = TestServer.start(model, TestServer.options(2, 2))) {
            for (Map.Entry<String, String> malformed : MALFORMED) {
                HttpResponse<String> response = server.post("/v1/chat/completions", malformed.getKey());
                assertEquals(400, response.statusCode(), malformed.getKey() + " -> " + response.body());
                JsonNode error = error(response);
                assertEquals("invalid_request_error", error.get("type").asText());
                String field = malformed.getValue();
                if (field.isEmpty()) {
                    assertTrue(error.get("param").isNull(), response.body());
                    assertTrue(error.get("message").asText().contains("JSON"), response.body());
                } else {
                    assertEquals(field, error.get("param").asText(), malformed.getKey());
                    assertTrue(error.get("message").asText().startsWith(field + ": "), response.body());
                }
            }
            HttpResponse<String> noPrompt = server.post("/v1/completions", "{\"max_tokens\": 3}");
            assertEquals("prompt", error(noPrompt).get("param").asText());
            assertEquals(0, server.metric("forwardpass_active_sequences"));
        }
    }

    @Test
    void aPromptLongerThanTheContextIsContextLengthExceeded() throws Exception {
        try (TestServer server = TestServer.start(model, TestServer.options(2, 2))) {
            String longPrompt = "Once upon a time ".repeat(200);
            HttpResponse<String> response = server.post("/v1/completions", "{\"prompt\": \"" + longPrompt + "\"}");
            assertEquals(400, response.statusCode());
            assertEquals("context_length_exceeded", error(response).get("code").asText());
            assertEquals("prompt", error(response).get("param").asText());
        }
    }

    @Test
    void anApiKeyIsNeededForTheApiAndBodiesHaveALimit() throws Exception {
        try (TestServer server = TestServer.start(model, TestServer.options(2, 2).withApiKey("secret")
                .withMaxBodyBytes(1024))) {
            String body = "{\"prompt\": \"Once\", \"max_tokens\": 3}";
            HttpResponse<String> anonymous = server.post("/v1/completions", body);
            assertEquals(401, anonymous.statusCode());
            assertEquals("invalid_api_key", error(anonymous).get("code").asText());
            assertEquals(401, server.get("/v1/models").statusCode());
            HttpResponse<String> wrongKey = server.send(request(server, "/v1/completions", body, "Bearer guess"));
            assertEquals(401, wrongKey.statusCode());
            assertEquals(200, server.send(request(server, "/v1/completions", body, "Bearer secret")).statusCode());
            assertEquals(200, server.get("/health").statusCode(), "health needs no key");

            String large = "{\"prompt\": \"" + "a".repeat(2000) + "\"}";
            HttpResponse<String> tooLarge = server.send(request(server, "/v1/completions", large, "Bearer secret"));
            assertEquals(413, tooLarge.statusCode());
            assertEquals("request_too_large", error(tooLarge).get("code").asText());
        }
    }

    @Test
    void shutdownFinishesOrCancelsTheStreamsWithinItsDeadline() throws Exception {
        TextModel slow = TestServer.pausing(model, () -> sleep(5));
        TestServer server = TestServer.start(slow, TestServer.options(4, 0)
                .withShutdownDeadline(Duration.ofMillis(300)));
        List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            streams.add(server.http.sendAsync(request(server, "/v1/completions",
                    "{\"prompt\": \"Once\", \"max_tokens\": 500, \"stream\": true}", null),
                    HttpResponse.BodyHandlers.ofString()));
        }
        waitFor(() -> server.metric("forwardpass_active_sequences") == 4);
        long start = System.nanoTime();
        server.close();
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(2).toNanos(), "closed soon after its deadline");
        for (CompletableFuture<HttpResponse<String>> stream : streams) {
            String body = stream.get(5, TimeUnit.SECONDS).body();
            assertTrue(body.contains("shutting down"), "the stream says why it ends: " + body);
            assertTrue(body.endsWith("data: [DONE]\n\n"), body);
        }
    }

    private static HttpRequest request(TestServer server, String path, String body, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url(path)))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        return (authorization == null ? request : request.header("Authorization", authorization)).build();
    }

    private static JsonNode error(HttpResponse<String> response) throws Exception {
        return JsonFields.MAPPER.readTree(response.body()).get("error");
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting");
            Thread.sleep(10);
        }
    }

    private static void await(CountDownLatch gate) {
        try {
            gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
