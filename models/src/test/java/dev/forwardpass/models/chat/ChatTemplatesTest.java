package dev.forwardpass.models.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.gguf.GgufTokenizer;
import dev.forwardpass.models.tokenizer.EncodeOptions;
import dev.forwardpass.models.tokenizer.Tokenizer;
import dev.forwardpass.models.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real models' chat templates, found in their files and rendered to the text and ids Hugging Face's
 * {@code apply_chat_template} gives; the tokens that end a turn; a model without a template.
 */
class ChatTemplatesTest {
    /** A 3-turn conversation: system, user, assistant, and the user's next question. */
    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are a helpful assistant."),
            ChatMessage.user("What is the capital of France?"),
            ChatMessage.assistant("The capital of France is Paris."),
            ChatMessage.user("And of Italy?"));

    @TempDir
    Path dir;

    @Test
    void llama3() throws IOException {
        // The template writes each message as <|start_header_id|>ROLE<|end_header_id|>\n\n + trimmed content +
        // <|eot_id|>, bos_token before the first (loop.index0 == 0), and then the assistant's header whatever
        // add_generation_prompt says (it does not read it). jinja2 3.1.6 in HF's configuration renders the same.
        String expected = """
                <|begin_of_text|><|start_header_id|>system<|end_header_id|>

                You are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>

                What is the capital of France?<|eot_id|><|start_header_id|>assistant<|end_header_id|>

                The capital of France is Paris.<|eot_id|><|start_header_id|>user<|end_header_id|>

                And of Italy?<|eot_id|><|start_header_id|>assistant<|end_header_id|>

                """;
        Tokenizer tokenizer = assertRendersTheConversation("llama3", expected);
        // EOS <|end_of_text|> (the folder has no generation config) and <|eot_id|>, found by its text (Llama 3.0
        // has no <|eom_id|>: 128008 is still a reserved token)
        assertArrayEquals(new int[] {128001, 128009}, ChatTemplates.endOfTurnTokens(tokenizer));
    }

    @Test
    void qwen3() throws IOException {
        // No tools: the system message first, as <|im_start|>system\n...<|im_end|>\n. The reversed scan
        // (messages[::-1] with a namespace) finds the last user message at index 3, so the assistant at index 2 is
        // not after it and is written without a <think> block (its content has no </think> either). Users are
        // <|im_start|>user\n...<|im_end|>\n, the system message at loop.first is not written twice, and
        // add_generation_prompt adds <|im_start|>assistant\n (enable_thinking is undefined: no empty think block).
        // jinja2 3.1.6 in HF's configuration renders the same.
        String expected = """
                <|im_start|>system
                You are a helpful assistant.<|im_end|>
                <|im_start|>user
                What is the capital of France?<|im_end|>
                <|im_start|>assistant
                The capital of France is Paris.<|im_end|>
                <|im_start|>user
                And of Italy?<|im_end|>
                <|im_start|>assistant
                """;
        Tokenizer tokenizer = assertRendersTheConversation("qwen3", expected);
        assertArrayEquals(new int[] {151645}, ChatTemplates.endOfTurnTokens(tokenizer), "<|im_end|>: EOS and turn end");
    }

    @Test
    void aGgufFilesTemplateFromItsMetadata() throws IOException {
        Path phi3 = TestFiles.shared("tokenizers/llama-cpp-vocab/ggml-vocab-phi-3.gguf");
        Tokenizer tokenizer;
        try (MappedFile file = MappedFile.open(phi3)) {
            tokenizer = GgufTokenizer.read(file, 0);
        }
        // Phi-3's tokenizer.chat_template: bos_token, then <|user|>\n...<|end|>\n<|assistant|>\n for a user and
        // ...<|end|>\n for an assistant; system messages are not written
        assertEquals("<s><|user|>\nWhat is the capital of France?<|end|>\n<|assistant|>\nThe capital of France is "
                + "Paris.<|end|>\n<|user|>\nAnd of Italy?<|end|>\n<|assistant|>\n",
                ChatTemplates.of(phi3, tokenizer).render(CONVERSATION, true));
        // EOS <|endoftext|> (32000) and <|end|> (32007), which the file does not name as its EOT
        assertArrayEquals(new int[] {32000, 32007}, ChatTemplates.endOfTurnTokens(tokenizer));
    }

    @Test
    void aModelWithoutATemplateSaysHowToGiveOne() throws IOException {
        Path llama3 = TestFiles.shared("tokenizers/llama3/tokenizer.json");
        Path folder = Files.createDirectory(dir.resolve("no-template"));
        Files.copy(llama3, folder.resolve("tokenizer.json"));
        Tokenizer tokenizer = Tokenizers.open(folder, 0);
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> ChatTemplates.of(folder, tokenizer));
        assertEquals(folder + " has no chat template: pass one with --chat-template FILE", e.getMessage());

        Path gpt2 = TestFiles.shared("tokenizers/llama-cpp-vocab/ggml-vocab-gpt-2.gguf");
        assertThrows(ChatTemplateException.class, () -> ChatTemplates.of(gpt2, tokenizer));
    }

    @Test
    void aTemplateFileBesideTheConfigOrGivenByTheUser() throws IOException {
        Path llama3 = TestFiles.shared("tokenizers/llama3/tokenizer.json");
        Path folder = Files.createDirectory(dir.resolve("jinja"));
        Files.copy(llama3, folder.resolve("tokenizer.json"));
        Files.writeString(folder.resolve("tokenizer_config.json"), "{\"bos_token\": \"<|begin_of_text|>\"}");
        Files.writeString(folder.resolve("chat_template.jinja"), "{{ bos_token }}{{ messages[0].content }}\n");
        Tokenizer tokenizer = Tokenizers.open(folder, 0);
        // bos_token from tokenizer_config.json; Jinja drops the template's one trailing newline
        assertEquals("<|begin_of_text|>You are a helpful assistant.",
                ChatTemplates.of(folder, tokenizer).render(CONVERSATION, false));
        Path mine = Files.writeString(dir.resolve("mine.jinja"), "{% for m in messages %}[{{ m.role }}]{% endfor %}");
        assertEquals("[system][user][assistant][user]", ChatTemplates.fromFile(mine, tokenizer).render(CONVERSATION, false));
    }

    /**
     * Asserts that the template of {@code ../shared/tokenizers/<model>} renders {@link #CONVERSATION} (with the
     * generation prompt) to {@code expected}, and encodes it to {@link #expectedIds}; {@return the model's tokenizer}
     */
    private static Tokenizer assertRendersTheConversation(String model, String expected) throws IOException {
        Path folder = TestFiles.shared("tokenizers/" + model + "/tokenizer_config.json").getParent();
        Tokenizer tokenizer = Tokenizers.open(folder, 0);
        ChatTemplate template = ChatTemplates.of(folder, tokenizer);
        assertEquals(expected, template.render(CONVERSATION, true));
        assertArrayEquals(expectedIds(folder, tokenizer, expected), template.encode(tokenizer, CONVERSATION, true));
        return tokenizer;
    }

    /**
     * {@return the ids of {@code text} built independently of the tokenizer's added-token matching}: the control
     * tokens' ids read from tokenizer.json's {@code added_tokens} with Jackson, and the text between them encoded
     * as plain text (Hugging Face splits at added tokens before BPE, so each piece is encoded on its own)
     */
    private static int[] expectedIds(Path folder, Tokenizer tokenizer, String text) throws IOException {
        JsonNode added = new ObjectMapper().readTree(folder.resolve("tokenizer.json").toFile()).get("added_tokens");
        Map<String, Integer> control = new HashMap<>();
        added.forEach(token -> control.put(token.get("content").asText(), token.get("id").asInt()));
        Matcher m = Pattern.compile("<\\|[a-z_]+\\|>").matcher(text);
        List<Integer> ids = new ArrayList<>();
        int from = 0;
        while (m.find()) {
            plain(tokenizer, text.substring(from, m.start()), ids);
            ids.add(control.get(m.group()));
            from = m.end();
        }
        plain(tokenizer, text.substring(from), ids);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void plain(Tokenizer tokenizer, String text, List<Integer> into) {
        for (int id : tokenizer.encode(text, EncodeOptions.PLAIN_TEXT)) {
            into.add(id);
        }
    }
}
