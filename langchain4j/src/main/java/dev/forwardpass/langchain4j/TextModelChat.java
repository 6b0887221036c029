package dev.forwardpass.langchain4j;

import dev.forwardpass.models.text.Completion;
import dev.forwardpass.models.text.Generation;
import dev.forwardpass.models.text.TextModel;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.util.List;

/**
 * What the blocking and the streaming chat model share: the text model, the defaults every request is merged with,
 * turning a request into a generation and a completion into a response.
 *
 * @param model the text model chats run on
 * @param owned whether closing this closes the model (it was loaded by the builder)
 * @param name the model name requests may ask for and responses report
 * @param defaults the builder's request parameters, which LangChain4j overrides with each request's own
 * @param seed the sampling seed of every request, or null for a fresh random one each time
 * @param listeners LangChain4j's observers of requests and responses
 */
record TextModelChat(TextModel model, boolean owned, String name, ChatRequestParameters defaults, Long seed,
        List<ChatModelListener> listeners) implements AutoCloseable {

    TextModelChat {
        listeners = List.copyOf(listeners);
    }

    /**
     * {@return a generation for the request}, not started yet
     *
     * @throws dev.langchain4j.exception.UnsupportedFeatureException for what a text chat cannot do
     * @throws IllegalArgumentException for a bad parameter, another model's name or a conversation too long for the
     *     context
     */
    Generation newChat(ChatRequest request) {
        String asked = request.parameters().modelName();
        if (asked != null && !asked.equals(name)) {
            throw new IllegalArgumentException("the request asks for model '" + asked + "'; this one runs '" + name
                    + "'");
        }
        return model.newChat(ChatRequests.messages(request.messages()),
                ChatRequests.generationParams(request.parameters(), seed));
    }

    /** {@return LangChain4j's response for a completion} */
    ChatResponse response(Completion completion) {
        return ChatResponse.builder()
                .aiMessage(AiMessage.from(completion.text()))
                .modelName(name)
                .tokenUsage(new TokenUsage(completion.promptTokens(), completion.completionTokens()))
                .finishReason(switch (completion.finishReason()) {
                    case STOP -> FinishReason.STOP;
                    case LENGTH -> FinishReason.LENGTH;
                    case CANCELLED -> FinishReason.OTHER;
                })
                .build();
    }

    /** Closes the text model if the builder loaded it. */
    @Override
    public void close() {
        if (owned) {
            model.close();
        }
    }
}
