package dev.forwardpass.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.chat.ChatMessage;
import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.text.Completion;
import dev.forwardpass.models.text.GenerationParams;
import dev.forwardpass.models.text.TextModel;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link ForwardPassChatModel} through LangChain4j's own types, against the text model's chat. */
class ForwardPassChatModelTest {
    private static final GenerationParams GREEDY = GenerationParams.defaults().withSampling(SamplingParams.greedy());
    private static TextModel textModel;
    private static ChatModel chatModel;

    @BeforeAll
    static void load() throws IOException {
        textModel = TestModel.load();
        chatModel = ForwardPassChatModel.builder().textModel(textModel).modelName("stories260K").build();
    }

    @AfterAll
    static void close() {
        textModel.close();
    }

    private static ChatRequest request(ChatRequestParameters parameters, dev.langchain4j.data.message.ChatMessage... messages) {
        return ChatRequest.builder().messages(messages).parameters(parameters).build();
    }

    @Test
    void greedyAnswerIsTheTextModelsChat() {
        ChatResponse response = chatModel.chat(request(
                ChatRequestParameters.builder().temperature(0.0).maxOutputTokens(40).build(),
                SystemMessage.from("You tell stories."), UserMessage.from("Tell me about a cat."),
                AiMessage.from("Once there was a cat."), UserMessage.from("What did the cat do?")));
        Completion expected = textModel.chat(List.of(ChatMessage.system("You tell stories."),
                ChatMessage.user("Tell me about a cat."), ChatMessage.assistant("Once there was a cat."),
                ChatMessage.user("What did the cat do?")), GREEDY.withMaxTokens(40));
        assertEquals(expected.text(), response.aiMessage().text());
        assertTrue(expected.text().length() > 20, expected.text());
        assertEquals(expected.promptTokens(), response.tokenUsage().inputTokenCount());
        assertEquals(expected.completionTokens(), response.tokenUsage().outputTokenCount());
        assertEquals(expected.promptTokens() + expected.completionTokens(), response.tokenUsage().totalTokenCount());
        assertEquals(FinishReason.valueOf(expected.finishReason().name()), response.finishReason());
        assertEquals("stories260K", response.modelName());
    }

    @Test
    void chatWithAStringUsesTheBuildersDefaults() {
        ChatModel greedy = ForwardPassChatModel.builder().textModel(textModel).temperature(0).maxTokens(30).build();
        assertEquals(textModel.chat(List.of(ChatMessage.user("Hello")), GREEDY.withMaxTokens(30)).text(),
                greedy.chat("Hello"));
    }

    @Test
    void aSeedMakesSamplingRepeatable() {
        ChatModel seeded = ForwardPassChatModel.builder().textModel(textModel).temperature(1.0).topP(0.9).topK(20)
                .seed(42).maxTokens(30).build();
        String first = seeded.chat("Tell me a story.");
        assertEquals(first, seeded.chat("Tell me a story."));
        GenerationParams sameParams = GenerationParams.defaults().withMaxTokens(30).withSampling(
                SamplingParams.defaults().withSeed(42).withTemperature(1f).withTopP(0.9f).withTopK(20));
        assertEquals(textModel.chat(List.of(ChatMessage.user("Tell me a story.")), sameParams).text(), first);
    }

    @Test
    void theAnswerEndsBeforeAStopSequence() {
        String whole = chatModel.chat(request(ChatRequestParameters.builder().temperature(0.0).maxOutputTokens(60)
                .build(), UserMessage.from("Tell me a story."))).aiMessage().text();
        String[] words = whole.trim().split(" ");
        assertTrue(words.length > 4, whole);
        String stop = words[3];
        ChatResponse stopped = chatModel.chat(request(ChatRequestParameters.builder().temperature(0.0)
                .maxOutputTokens(60).stopSequences(stop).build(), UserMessage.from("Tell me a story.")));
        assertEquals(whole.substring(0, whole.indexOf(stop)), stopped.aiMessage().text());
        assertEquals(FinishReason.STOP, stopped.finishReason());
    }

    @Test
    void theTokenBudgetEndsTheAnswerWithLength() {
        ChatResponse response = chatModel.chat(request(ChatRequestParameters.builder().temperature(0.0)
                .maxOutputTokens(5).build(), UserMessage.from("Tell me a story.")));
        assertEquals(FinishReason.LENGTH, response.finishReason());
        assertEquals(5, response.tokenUsage().outputTokenCount());
    }

    @Test
    void whatATextChatCannotDoIsRefusedByName() {
        ChatRequestParameters plain = ChatRequestParameters.builder().build();
        UserMessage withImage = UserMessage.from(TextContent.from("What is on this picture?"),
                ImageContent.from("https://example.com/cat.png"));
        assertRefused("image content in a user message", () -> chatModel.chat(request(plain, withImage)));
        assertRefused("tools (tool specifications)", () -> chatModel.chat(request(ChatRequestParameters.builder()
                .toolSpecifications(ToolSpecification.builder().name("weather").build()).build(),
                UserMessage.from("Will it rain?"))));
        assertRefused("a JSON response format", () -> chatModel.chat(request(ChatRequestParameters.builder()
                .responseFormat(ResponseFormat.JSON).build(), UserMessage.from("Answer in JSON."))));
        assertRefused("tool_execution_result messages", () -> chatModel.chat(request(plain,
                UserMessage.from("Will it rain?"), ToolExecutionResultMessage.from("1", "weather", "sunny"))));
    }

    private static void assertRefused(String feature, Runnable chat) {
        UnsupportedFeatureException refusal = assertThrows(UnsupportedFeatureException.class, chat::run);
        assertTrue(refusal.getMessage().startsWith("ForwardPass does not support " + feature), refusal.getMessage());
    }

    @Test
    void badRequestsAreRefusedBeforeAnythingRuns() {
        IllegalArgumentException penalty = assertThrows(IllegalArgumentException.class, () -> chatModel.chat(
                request(ChatRequestParameters.builder().presencePenalty(3.0).build(), UserMessage.from("Hi"))));
        assertTrue(penalty.getMessage().contains("presence_penalty"), penalty.getMessage());
        IllegalArgumentException otherModel = assertThrows(IllegalArgumentException.class, () -> chatModel.chat(
                request(ChatRequestParameters.builder().modelName("gpt-4o").build(), UserMessage.from("Hi"))));
        assertEquals("the request asks for model 'gpt-4o'; this one runs 'stories260K'", otherModel.getMessage());
        IllegalArgumentException temperature = assertThrows(IllegalArgumentException.class,
                () -> ForwardPassChatModel.builder().textModel(textModel).temperature(-1).build());
        assertTrue(temperature.getMessage().contains("temperature"), temperature.getMessage());
        IllegalStateException both = assertThrows(IllegalStateException.class,
                () -> ForwardPassChatModel.builder().textModel(textModel).backend("java").build());
        assertTrue(both.getMessage().startsWith("give a loaded textModel or where to load one"), both.getMessage());
    }

    @Test
    void aModelTheBuilderLoadsIsItsOwn() {
        try (ForwardPassChatModel loaded = ForwardPassChatModel.builder().threads(1).chatTemplate(TestModel.chatTemplate())
                .temperature(0).maxTokens(20).build()) {
            ChatResponse response = loaded.chat(UserMessage.from("Hello"));
            assertEquals(textModel.chat(List.of(ChatMessage.user("Hello")), GREEDY.withMaxTokens(20)).text(),
                    response.aiMessage().text());
            assertEquals("stories260K", response.modelName());
        }
        try (ForwardPassChatModel noTemplate = ForwardPassChatModel.builder().modelPath(null).threads(1).build()) {
            IllegalArgumentException refusal = assertThrows(IllegalArgumentException.class,
                    () -> noTemplate.chat("Hello"));
            assertTrue(refusal.getMessage().contains("no chat template"), refusal.getMessage());
        }
    }

    @Test
    void listenersSeeTheMergedRequestAndTheResponse() {
        List<ChatRequest> requests = new ArrayList<>();
        List<ChatResponse> responses = new ArrayList<>();
        ChatModel observed = ForwardPassChatModel.builder().textModel(textModel).temperature(0).maxTokens(10)
                .listeners(List.of(new ChatModelListener() {
                    @Override
                    public void onRequest(ChatModelRequestContext context) {
                        requests.add(context.chatRequest());
                    }

                    @Override
                    public void onResponse(ChatModelResponseContext context) {
                        responses.add(context.chatResponse());
                    }
                })).build();
        String answer = observed.chat("Hello");
        assertEquals(1, requests.size());
        assertEquals(0.0, requests.getFirst().parameters().temperature());
        assertEquals(10, requests.getFirst().parameters().maxOutputTokens());
        assertEquals("forwardpass", requests.getFirst().parameters().modelName());
        assertEquals(List.of(answer), responses.stream().map(response -> response.aiMessage().text()).toList());
    }
}
