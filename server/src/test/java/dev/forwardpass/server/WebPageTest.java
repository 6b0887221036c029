package dev.forwardpass.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.text.TextModel;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The chat page at {@code /}: served as HTML, and its script streams chats with the top-5 logprobs. */
class WebPageTest {
    @Test
    void thePageIsServedAndStreamsChatsWithTopFiveLogprobs() throws Exception {
        try (TextModel model = TestServer.stories("java", true);
                TestServer server = TestServer.start(model, TestServer.options(1, 0))) {
            HttpResponse<String> page = server.get("/");
            assertEquals(200, page.statusCode());
            assertTrue(page.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
            String html = page.body();
            assertTrue(html.contains("fetch(\"/v1/chat/completions\""), "the page calls the chat endpoint");
            assertTrue(html.contains("stream: true"), "it streams");
            assertTrue(html.contains("logprobs: true") && html.contains("top_logprobs: 5"), "with the top 5");
            assertTrue(html.contains("Math.exp(alternative.logprob)"), "shown as probabilities");
        }
    }
}
