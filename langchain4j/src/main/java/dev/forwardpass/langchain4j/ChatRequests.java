package dev.forwardpass.langchain4j;

import dev.forwardpass.models.chat.ChatMessage;
import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.text.GenerationParams;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** LangChain4j's requests in the text API's terms; what has no counterpart there is refused, by name. */
final class ChatRequests {
    private ChatRequests() {}

    /**
     * {@return the messages as chat-template turns}: system, user (its text parts joined by newlines) and assistant
     * messages; anything else is refused
     *
     * @throws UnsupportedFeatureException for non-text content, tool calls, tool results or custom messages
     */
    static List<ChatMessage> messages(List<dev.langchain4j.data.message.ChatMessage> messages) {
        List<ChatMessage> turns = new ArrayList<>(messages.size());
        for (dev.langchain4j.data.message.ChatMessage message : messages) {
            turns.add(switch (message) {
                case SystemMessage system -> ChatMessage.system(system.text());
                case UserMessage user -> ChatMessage.user(text(user));
                case AiMessage ai -> assistant(ai);
                default -> throw unsupported(message.type().toString().toLowerCase(Locale.ROOT) + " messages");
            });
        }
        return turns;
    }

    /**
     * {@return the generation parameters of a request} whose defaults are already merged in: llama.cpp's sampling
     * (a fresh random seed unless {@code seed} is given) and 256 new tokens where the request says nothing
     *
     * @throws UnsupportedFeatureException for tools, a required tool choice or a JSON response format
     * @throws IllegalArgumentException for a value out of range, named as the text API names it ({@code top_p}, ...)
     */
    static GenerationParams generationParams(ChatRequestParameters parameters, Long seed) {
        refuseWhatOnlyTextCannotDo(parameters);
        SamplingParams sampling = SamplingParams.defaults();
        if (seed != null) {
            sampling = sampling.withSeed(seed);
        }
        if (parameters.temperature() != null) {
            sampling = sampling.withTemperature(parameters.temperature().floatValue());
        }
        if (parameters.topP() != null) {
            sampling = sampling.withTopP(parameters.topP().floatValue());
        }
        if (parameters.topK() != null) {
            sampling = sampling.withTopK(parameters.topK());
        }
        if (parameters.frequencyPenalty() != null) {
            sampling = sampling.withFrequencyPenalty(parameters.frequencyPenalty().floatValue());
        }
        if (parameters.presencePenalty() != null) {
            sampling = sampling.withPresencePenalty(parameters.presencePenalty().floatValue());
        }
        GenerationParams params = GenerationParams.defaults().withSampling(sampling);
        if (parameters.maxOutputTokens() != null) {
            params = params.withMaxTokens(parameters.maxOutputTokens());
        }
        List<String> stop = parameters.stopSequences();
        if (stop != null && !stop.isEmpty()) {
            params = params.withStop(stop.toArray(String[]::new));
        }
        return params;
    }

    private static void refuseWhatOnlyTextCannotDo(ChatRequestParameters parameters) {
        if (parameters.toolSpecifications() != null && !parameters.toolSpecifications().isEmpty()) {
            throw unsupported("tools (tool specifications)");
        }
        if (parameters.toolChoice() == ToolChoice.REQUIRED) {
            throw unsupported("tool choice REQUIRED");
        }
        if (parameters.responseFormat() != null && parameters.responseFormat().type() == ResponseFormatType.JSON) {
            throw unsupported("a JSON response format (JSON schema)");
        }
    }

    private static String text(UserMessage user) {
        List<String> parts = new ArrayList<>(user.contents().size());
        for (Content content : user.contents()) {
            if (!(content instanceof TextContent text)) {
                throw unsupported(content.type().toString().toLowerCase(Locale.ROOT) + " content in a user message");
            }
            parts.add(text.text());
        }
        return String.join("\n", parts);
    }

    private static ChatMessage assistant(AiMessage ai) {
        if (ai.hasToolExecutionRequests()) {
            throw unsupported("tool execution requests in an AI message");
        }
        return ChatMessage.assistant(ai.text() == null ? "" : ai.text());
    }

    private static UnsupportedFeatureException unsupported(String feature) {
        return new UnsupportedFeatureException("ForwardPass does not support " + feature + ": it chats in text only");
    }
}
