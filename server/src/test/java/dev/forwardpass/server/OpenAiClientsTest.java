package dev.forwardpass.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatResponseMetadata;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.forwardpass.models.chat.ChatMessage;
import dev.forwardpass.models.text.TextModel;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real OpenAI clients against the server: the official Java SDK and LangChain4j, blocking and streaming, on
 * stories260K with a test chat template; and a model without a template, which completes text but cannot chat.
 */
class OpenAiClientsTest {
    private static final String KEY = "test-key";
    private static TextModel model;
    private static TestServer server;
    private static OpenAIClient openAi;

    @BeforeAll
    static void start() throws Exception {
        model = TestServer.stories("java", true);
        server = TestServer.start(model, TestServer.options(4, 8).withApiKey(KEY));
        openAi = OpenAIOkHttpClient.builder().baseUrl(server.url("/v1")).apiKey(KEY).maxRetries(0).build();
    }

    @AfterAll
    static void stop() throws Exception {
        openAi.close();
        server.close();
        model.close();
    }

    private static ChatCompletionCreateParams.Builder chat(String message) {
        return ChatCompletionCreateParams.builder().model("stories260K").addUserMessage(message).temperature(0.0)
                .maxCompletionTokens(40);
    }

    @Test
    void officialSdkChatsAndReadsUsageAndLogprobs() {
        ChatCompletion completion = openAi.chat().completions().create(chat("Tell me a story").logprobs(true)
                .topLogprobs(3).build());
        String text = completion.choices().getFirst().message().content().orElseThrow();
        assertFalse(text.isBlank());
        assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, completion.choices().getFirst().finishReason());
        // the server's answer is the text API's, the prompt rendered by the template
        dev.forwardpass.models.text.Completion local = model.chat(List.of(ChatMessage.user("Tell me a story")),
                TestServer.greedy(40));
        assertEquals(local.text(), text);
        assertEquals(local.promptTokens(), completion.usage().orElseThrow().promptTokens());
        assertEquals(40, completion.usage().orElseThrow().completionTokens());
        List<ChatCompletionTokenLogprob> logprobs = completion.choices().getFirst().logprobs().orElseThrow()
                .content().orElseThrow();
        assertEquals(40, logprobs.size());
        StringBuilder tokens = new StringBuilder();
        for (ChatCompletionTokenLogprob token : logprobs) {
            assertEquals(3, token.topLogprobs().size());
            // greedy: the token taken is the likeliest
            assertEquals(token.topLogprobs().getFirst().token(), token.token());
            assertEquals(token.topLogprobs().getFirst().logprob(), token.logprob());
            assertTrue(token.logprob() <= 0);
            tokens.append(token.token());
        }
        assertEquals(text, tokens.toString());
    }

    @Test
    void officialSdkStreamsTheSameTextWithUsage() {
        String blocking = openAi.chat().completions().create(chat("Tell me a story").build()).choices().getFirst()
                .message().content().orElseThrow();
        StringBuilder streamed = new StringBuilder();
        CompletableFuture<Long> completionTokens = new CompletableFuture<>();
        int[] logprobChunks = {0};
        try (StreamResponse<ChatCompletionChunk> stream = openAi.chat().completions().createStreaming(
                chat("Tell me a story").logprobs(true).topLogprobs(5)
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> {
                chunk.usage().ifPresent(usage -> completionTokens.complete(usage.completionTokens()));
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    choice.delta().content().ifPresent(streamed::append);
                    choice.logprobs().flatMap(ChatCompletionChunk.Choice.Logprobs::content).ifPresent(content -> {
                        assertEquals(5, content.getFirst().topLogprobs().size());
                        logprobChunks[0]++;
                    });
                }
            });
        }
        assertEquals(blocking, streamed.toString());
        assertEquals(40, completionTokens.getNow(0L));
        assertEquals(40, logprobChunks[0], "one chunk with logprobs a token");
    }

    @Test
    void officialSdkCompletesText() {
        Completion completion = openAi.completions().create(CompletionCreateParams.builder().model("stories260K")
                .prompt("Once upon a time").maxTokens(30).temperature(0.0).logprobs(2).build());
        String text = completion.choices().getFirst().text();
        assertEquals(model.complete("Once upon a time", TestServer.greedy(30)).text(), text);
        assertEquals(30, completion.choices().getFirst().logprobs().orElseThrow().tokens().orElseThrow().size());
        assertEquals(30, completion.usage().orElseThrow().completionTokens());
    }

    @Test
    void langChain4jChatsBlockingAndStreaming() throws Exception {
        OpenAiChatModel chatModel = OpenAiChatModel.builder().baseUrl(server.url("/v1")).apiKey(KEY)
                .modelName("stories260K").temperature(0.0).maxTokens(30).logprobs(true).topLogprobs(2).build();
        ChatResponse response = chatModel.chat(ChatRequest.builder().messages(UserMessage.from("Hello")).build());
        assertFalse(response.aiMessage().text().isBlank());
        assertEquals(30, response.tokenUsage().outputTokenCount());
        assertTrue(response.tokenUsage().inputTokenCount() > 0);
        OpenAiChatResponseMetadata metadata = (OpenAiChatResponseMetadata) response.metadata();
        assertEquals(30, metadata.logProbs().size());
        assertEquals(2, metadata.logProbs().getFirst().topLogprobs().size());

        OpenAiStreamingChatModel streamingModel = OpenAiStreamingChatModel.builder().baseUrl(server.url("/v1"))
                .apiKey(KEY).modelName("stories260K").temperature(0.0).maxTokens(30).build();
        StringBuilder partial = new StringBuilder();
        CompletableFuture<ChatResponse> complete = new CompletableFuture<>();
        streamingModel.chat("Hello", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String text) {
                partial.append(text);
            }

            @Override
            public void onCompleteResponse(ChatResponse streamed) {
                complete.complete(streamed);
            }

            @Override
            public void onError(Throwable error) {
                complete.completeExceptionally(error);
            }
        });
        ChatResponse streamed = complete.get(20, TimeUnit.SECONDS);
        assertEquals(response.aiMessage().text(), partial.toString());
        assertEquals(response.aiMessage().text(), streamed.aiMessage().text());
        assertNotNull(streamed.tokenUsage(), "LangChain4j asks for the usage chunk");
        assertEquals(30, streamed.tokenUsage().outputTokenCount());
    }

    @Test
    void aModelWithoutAChatTemplateCompletesTextButRefusesChats() throws Exception {
        try (TextModel plain = TestServer.stories("java", false);
                TestServer bare = TestServer.start(plain, TestServer.options(2, 2))) {
            HttpResponse<String> chat = bare.post("/v1/chat/completions",
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 5}");
            assertEquals(400, chat.statusCode());
            JsonNode error = JsonFields.MAPPER.readTree(chat.body()).get("error");
            assertEquals("messages", error.get("param").asText());
            assertTrue(error.get("message").asText().contains("chat template"), error.toString());
            HttpResponse<String> text = bare.post("/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 5}");
            assertEquals(200, text.statusCode(), text.body());
            assertEquals(5, JsonFields.MAPPER.readTree(text.body()).at("/usage/completion_tokens").asInt());
        }
    }

    @Test
    void modelsHealthAndMetricsAnswer() throws Exception {
        HttpResponse<String> models = server.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(server.url("/v1/models"))).header("Authorization", "Bearer " + KEY).build());
        assertEquals("stories260K", JsonFields.MAPPER.readTree(models.body()).at("/data/0/id").asText());
        assertEquals(200, server.get("/health").statusCode());
        assertTrue(server.get("/metrics").body().contains("# TYPE forwardpass_tokens_per_second gauge"));
    }
}
