package dev.forwardpass.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;

/**
 * LangChain4j's blocking {@link ChatModel} on a ForwardPass text model.
 *
 * <pre>{@code
 * try (ForwardPassChatModel model = ForwardPassChatModel.builder().modelPath(Path.of("model.gguf")).build()) {
 *     System.out.println(model.chat("Tell me a story."));
 * }
 * }</pre>
 *
 * <p>Requests may be made from any number of threads at once. A model the builder loaded is closed with this.
 */
public final class ForwardPassChatModel extends ForwardPassModel implements ChatModel {

    private ForwardPassChatModel(TextModelChat chat) {
        super(chat);
    }

    /** {@return a builder}: unset, the embedded stories260K on the java backend */
    public static ForwardPassModelBuilder<ForwardPassChatModel> builder() {
        return new ForwardPassModelBuilder<>(ForwardPassChatModel::new);
    }

    /**
     * {@return the model's answer}, once the generation has ended
     *
     * @throws dev.langchain4j.exception.UnsupportedFeatureException for tools, non-text content or a JSON response
     *     format
     * @throws IllegalArgumentException for a bad parameter or a conversation longer than the model's context
     */
    @Override
    public ChatResponse doChat(ChatRequest request) {
        return chat.response(chat.newChat(request).run(piece -> {}));
    }
}
