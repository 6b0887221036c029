package dev.forwardpass.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import java.util.List;

/** What the blocking and the streaming chat model answer alike: their defaults, their listeners, closing. */
abstract sealed class ForwardPassModel implements AutoCloseable
        permits ForwardPassChatModel, ForwardPassStreamingChatModel {
    final TextModelChat chat;

    ForwardPassModel(TextModelChat chat) {
        this.chat = chat;
    }

    /** {@return the builder's defaults}, which each request's own parameters override */
    public ChatRequestParameters defaultRequestParameters() {
        return chat.defaults();
    }

    /** {@return the builder's listeners} */
    public List<ChatModelListener> listeners() {
        return chat.listeners();
    }

    /** Closes the text model if the builder loaded it; generations still running must have ended. */
    @Override
    public void close() {
        chat.close();
    }
}
