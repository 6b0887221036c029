package dev.forwardpass.models.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.chat.ChatMessage;
import dev.forwardpass.models.chat.ChatTemplateException;
import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.tokenizer.EncodeOptions;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TextModel#chat} on the embedded model, with a chat template of the test's (the model has none). */
class ChatTest {
    private static final GenerationParams GREEDY = GenerationParams.defaults().withMaxTokens(40)
            .withSampling(SamplingParams.greedy());
    private static final List<ChatMessage> CONVERSATION = List.of(ChatMessage.system("A story for children."),
            ChatMessage.user("Tom saw a dog."));

    static Path template() throws URISyntaxException {
        return Path.of(ChatTest.class.getResource("story-chat-template.jinja").toURI());
    }

    @Test
    void aChatIsTheCompletionOfTheRenderedConversation() throws Exception {
        try (TextModel model = TextModel.load(TextModel.Options.defaults().withThreads(1)
                .withChatTemplate(template()))) {
            List<String> pieces = new ArrayList<>();
            Completion answer = model.chat(CONVERSATION, GREEDY, pieces::add);
            assertEquals(answer.text(), String.join("", pieces));
            // the template's text, encoded as a chat prompt is: no BOS added (a template writes its own; run.c's
            // tokenizer has no text for it), control tokens parsed
            String rendered = "A story for children.\nTom saw a dog.\nOnce upon a time";
            Completion completion = model.newGeneration(
                    model.tokenizer().encode(rendered, new EncodeOptions(false, true)), GREEDY).run(piece -> {});
            assertEquals(completion.text(), answer.text());
            assertEquals(completion.promptTokens(), answer.promptTokens());
        }
    }

    @Test
    void aModelWithoutATemplateNamesTheOptionThatGivesOne() throws IOException {
        try (TextModel model = TextModel.load(TextModel.Options.defaults().withThreads(1))) {
            ChatTemplateException none = assertThrows(ChatTemplateException.class,
                    () -> model.newChat(CONVERSATION, GREEDY));
            assertEquals("the embedded model has no chat template: pass one with --chat-template FILE",
                    none.getMessage());
            // completions need no template
            assertEquals(5, model.complete("Once", GREEDY.withMaxTokens(5)).completionTokens());
        }
    }

    @Test
    void badConversationsAreRefusedBeforeAnythingRuns(@TempDir Path dir) throws Exception {
        IllegalArgumentException role = assertThrows(IllegalArgumentException.class,
                () -> new ChatMessage("narrator", "Once"));
        assertTrue(role.getMessage().contains("narrator"), role.getMessage());
        try (TextModel model = TextModel.load(TextModel.Options.defaults().withThreads(1)
                .withChatTemplate(template()))) {
            List<ChatMessage> long_ = List.of(ChatMessage.user("Once upon a time there was a dog. ".repeat(100)));
            IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                    () -> model.newChat(long_, GREEDY));
            assertTrue(tooLong.getMessage().contains("longer than the model's context of 512"), tooLong.getMessage());
        }
        Path raising = Files.writeString(dir.resolve("raising.jinja"),
                "{% if messages[0]['role'] != 'user' %}{{ raise_exception('the first turn must be the user') }}"
                        + "{% endif %}{{ messages[0]['content'] }}");
        try (TextModel model = TextModel.load(TextModel.Options.defaults().withThreads(1)
                .withChatTemplate(raising))) {
            ChatTemplateException raised = assertThrows(ChatTemplateException.class,
                    () -> model.newChat(CONVERSATION, GREEDY));
            assertEquals("the first turn must be the user", raised.getMessage());
        }
    }
}
