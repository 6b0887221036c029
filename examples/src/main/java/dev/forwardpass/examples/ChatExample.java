package dev.forwardpass.examples;

import dev.forwardpass.langchain4j.ForwardPassChatModel;
import java.nio.file.Path;

/**
 * Asks a question through LangChain4j's {@link dev.langchain4j.model.chat.ChatModel}, greedily.
 *
 * <p>{@code ChatExample [CHAT_TEMPLATE [MODEL]]}: a Jinja chat template file (the embedded stories260K has none of its
 * own) and a model file or Hugging Face folder (default the embedded stories260K).
 */
public final class ChatExample {
    static final String QUESTION = "Tell me a story about a cat.";

    private ChatExample() {}

    public static void main(String[] args) {
        Path template = args.length > 0 ? Path.of(args[0]) : null;
        Path model = args.length > 1 ? Path.of(args[1]) : null;
        try (ForwardPassChatModel chat = ForwardPassChatModel.builder()
                .modelPath(model).chatTemplate(template).temperature(0).maxTokens(100).build()) {
            System.out.println(chat.chat(QUESTION));
        }
    }
}
