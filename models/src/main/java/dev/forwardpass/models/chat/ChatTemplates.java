package dev.forwardpass.models.chat;

import dev.forwardpass.models.format.InputFiles;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.gguf.GgufSummary;
import dev.forwardpass.models.gguf.GgufTokenizer;
import dev.forwardpass.models.tokenizer.EncodeOptions;
import dev.forwardpass.models.tokenizer.Tokenizer;
import dev.forwardpass.models.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;

/** Where a model's chat template comes from, and the tokens at which a chat turn ends. */
public final class ChatTemplates {
    /**
     * The added tokens that end a turn in chat formats whose files do not always name them (Llama 3's
     * {@code <|eot_id|>} and {@code <|eom_id|>}, ChatML's {@code <|im_end|>}, Phi-3's {@code <|end|>}, Gemma's
     * {@code <end_of_turn>}), found by their text as llama.cpp's vocabulary loader finds them.
     */
    static final List<String> TURN_ENDS = List.of("<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end|>",
            "<end_of_turn>");

    private ChatTemplates() {}

    /**
     * {@return the chat template {@code model}'s files carry}: a Hugging Face folder's ({@link Tokenizers#chatTemplate})
     * or a GGUF file's {@code tokenizer.chat_template}, with {@code tokenizer}'s BOS and EOS as {@code bos_token} and
     * {@code eos_token}
     *
     * @throws ChatTemplateException if the model has none ("... pass one with --chat-template FILE"), or it does not
     *     compile
     * @param model the model's folder or file; null for the embedded model, which has no template
     * @throws dev.forwardpass.models.format.ModelFormatException if the model's files are malformed
     */
    public static ChatTemplate of(Path model, Tokenizer tokenizer) throws IOException {
        Optional<String> source = model == null ? Optional.empty() : source(model);
        String template = source.orElseThrow(() -> new ChatTemplateException((model == null ? "the embedded model" : model)
                + " has no chat template: pass one with --chat-template FILE"));
        return compile(template, tokenizer);
    }

    /**
     * {@return the chat template in the text file {@code file}} (a user's {@code --chat-template}), with
     * {@code tokenizer}'s BOS and EOS as {@code bos_token} and {@code eos_token}
     *
     * @throws ChatTemplateException if it does not compile
     */
    public static ChatTemplate fromFile(Path file, Tokenizer tokenizer) throws IOException {
        return compile(InputFiles.readText(file), tokenizer);
    }

    /** {@return the template text of a Hugging Face folder or a GGUF file, empty if it has none or is neither} */
    static Optional<String> source(Path model) throws IOException {
        if (Files.isDirectory(model)) {
            return Tokenizers.chatTemplate(model);
        }
        Optional<GgufSummary> gguf = GgufSummary.of(model);
        if (gguf.isEmpty() || !gguf.get().chatTemplate()) {
            return Optional.empty();
        }
        try (MappedFile file = MappedFile.open(model)) {
            return GgufTokenizer.vocabulary(file).chatTemplate();
        }
    }

    /**
     * {@return the ids at which a chat turn ends, ascending}: every token at which {@code tokenizer} stops a generation
     * (its EOS; a GGUF file's EOT and EOM; a Hugging Face folder's {@code generation_config.json} {@code eos_token_id}
     * list) and the vocabulary's {@link #TURN_ENDS}
     */
    public static int[] endOfTurnTokens(Tokenizer tokenizer) {
        TreeSet<Integer> ids = new TreeSet<>();
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            if (tokenizer.stopsGeneration(id)) {
                ids.add(id);
            }
        }
        EncodeOptions controlTokens = new EncodeOptions(false, true);
        for (String text : TURN_ENDS) {
            int[] encoded = tokenizer.encode(text, controlTokens);
            if (encoded.length == 1 && tokenizer.piece(encoded[0]).equals(text)) {
                ids.add(encoded[0]);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static ChatTemplate compile(String template, Tokenizer tokenizer) {
        return ChatTemplate.of(template, text(tokenizer, tokenizer.bosToken()), text(tokenizer, tokenizer.eosToken()));
    }

    private static String text(Tokenizer tokenizer, OptionalInt token) {
        return token.isPresent() ? tokenizer.piece(token.getAsInt()) : null;
    }
}
