package dev.forwardpass.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forwardpass.models.text.TextModel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Sequences served together compute what each computes alone, on every backend. */
class ConcurrencyTest {
    private static final int REQUESTS = 16;

    @ParameterizedTest(name = "{0} backend, batching {1}")
    @CsvSource({"java, true", "djl, true", "java, false"})
    void greedyTextOfConcurrentRequestsIsTheirTextAlone(String backend, boolean batching) throws Exception {
        try (TextModel model = TestServer.stories(backend, true);
                TestServer server = TestServer.start(model, TestServer.options(6, REQUESTS).withBatching(batching))) {
            List<String> alone = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                alone.add(text(i, server.post(path(i), body(i))));
            }
            List<CompletableFuture<HttpResponse<String>>> together = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                together.add(server.http.sendAsync(HttpRequest.newBuilder(URI.create(server.url(path(i))))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body(i))).build(),
                        HttpResponse.BodyHandlers.ofString()));
                Thread.sleep(i % 3 * 3); // they join at different times, some while others are mid-way
            }
            for (int i = 0; i < REQUESTS; i++) {
                assertEquals(alone.get(i), text(i, together.get(i).get(30, TimeUnit.SECONDS)), "request " + i);
            }
        }
    }

    /** Half chats, half text completions; a third of them streamed. */
    private static String path(int i) {
        return i % 2 == 0 ? "/v1/chat/completions" : "/v1/completions";
    }

    private static String body(int i) {
        String prompt = "Tim and Lily " + "went to the park and ".repeat(i % 4) + "saw a dog number " + i;
        String input = i % 2 == 0 ? "\"messages\": [{\"role\": \"user\", \"content\": \"" + prompt + "\"}]"
                : "\"prompt\": \"" + prompt + "\"";
        return "{" + input + ", \"temperature\": 0, \"max_tokens\": " + (20 + 13 * i) + ", \"stream\": "
                + (i % 3 == 0) + "}";
    }

    /** {@return the generated text of a response}, streamed or not */
    private static String text(int i, HttpResponse<String> response) throws IOException {
        assertEquals(200, response.statusCode(), response.body());
        String field = i % 2 == 0 ? (i % 3 == 0 ? "/choices/0/delta/content" : "/choices/0/message/content")
                : "/choices/0/text";
        if (i % 3 != 0) {
            return JsonFields.MAPPER.readTree(response.body()).at(field).asText();
        }
        StringBuilder text = new StringBuilder();
        for (String event : response.body().split("\n\n")) {
            String data = event.substring("data: ".length());
            if (!data.equals("[DONE]")) {
                JsonNode chunk = JsonFields.MAPPER.readTree(data);
                text.append(chunk.at(field).asText(""));
            }
        }
        return text.toString();
    }
}
