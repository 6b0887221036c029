package dev.forwardpass.models.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.forwardpass.models.chat.ChatMessage;
import dev.forwardpass.models.chat.ChatTemplateException;
import dev.forwardpass.models.chat.ChatTemplates;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.tokenizer.Llama2cTokenizer;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A chat template read from a file (a user's {@code --chat-template}) and applied to a fixed conversation: it renders
 * or fails with a {@link ChatTemplateException} (a file that is not UTF-8: a {@link ModelFormatException}), within
 * the template's step and output bounds.
 */
class ChatTemplateFuzzTest {
    private static final Tokenizer TOKENIZER = Llama2cTokenizer.of(
            new String[] {"<unk>", "\n<s>\n", "\n</s>\n", "a", "b"}, new float[] {0, 0, 0, -1, -2});
    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are terse."),
            ChatMessage.user("Say {{ hi }} & <b>"),
            ChatMessage.assistant("Hi."),
            ChatMessage.user(FuzzInputs.TEXT));

    @FuzzTest
    void template(byte[] input) throws IOException {
        Path file = FuzzInputs.write(FuzzInputs.emptyFolder("chat-template"), "template.jinja", input);
        try {
            ChatTemplates.fromFile(file, TOKENIZER).render(CONVERSATION, true);
        } catch (ChatTemplateException | ModelFormatException rejected) {
            FuzzInputs.assertSaysWhat(rejected);
        }
    }
}
