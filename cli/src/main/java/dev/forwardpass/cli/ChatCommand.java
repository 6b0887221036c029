package dev.forwardpass.cli;

import dev.forwardpass.models.chat.ChatMessage;
import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.text.Completion;
import dev.forwardpass.models.text.GenerationParams;
import dev.forwardpass.models.text.TextModel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code chat}: a conversation through the model's own chat template, streamed. Interactive (one user turn a line,
 * history kept, {@code /exit} or end of input ends it) or one-shot with {@code --message}.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with the model through its chat template: interactive, or one answer with --message.")
final class ChatCommand implements Callable<Integer> {
    static final String EXIT = "/exit";

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message that opens the conversation.")
    String system;

    @Option(names = "--message", paramLabel = "TEXT",
            description = "Answer this one user message and exit (default: read user turns from standard input).")
    String message;

    @Option(names = "--chat-template", paramLabel = "FILE",
            description = "A Jinja chat template to use instead of the model's own (needed when it has none).")
    Path chatTemplate;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "512",
            description = "The most tokens of one answer (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--stop", paramLabel = "TEXT", description = "End an answer where TEXT appears; repeatable.")
    List<String> stop = List.of();

    private final Terminal terminal;

    ChatCommand(Terminal terminal) {
        this.terminal = terminal;
    }

    @Override
    public Integer call() throws IOException {
        // llama.cpp's sampling defaults, each flag given replacing its setting
        GenerationParams params = new GenerationParams(maxTokens, stop, sampling.over(SamplingParams.defaults()));
        // the template is the model's own, or --chat-template's, found as TextModel finds it for every chat
        try (TextModel chat = TextModel.load(modelOptions.textModel(chatTemplate))) {
            List<ChatMessage> history = new ArrayList<>();
            if (system != null) {
                history.add(ChatMessage.system(system));
            }
            if (message != null) {
                history.add(ChatMessage.user(message));
                answer(chat, history, params);
                return 0;
            }
            converse(chat, history, params);
        }
        return 0;
    }

    /** Reads user turns until {@code /exit} or the end of the input, answering each. */
    private void converse(TextModel chat, List<ChatMessage> history, GenerationParams params) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(terminal.in(), StandardCharsets.UTF_8));
        terminal.err().println("Chatting with " + chat.model().source() + "; " + EXIT + " or end of input ends it.");
        while (true) {
            terminal.err().print("> ");
            terminal.err().flush();
            String line = in.readLine();
            if (line == null || line.strip().equals(EXIT)) {
                return;
            }
            if (line.isBlank()) {
                continue;
            }
            history.add(ChatMessage.user(line));
            Completion answer = answer(chat, history, params);
            history.add(ChatMessage.assistant(answer.text()));
        }
    }

    /** Streams the assistant's answer to {@code history} to standard output, then a newline; {@return it} */
    private Completion answer(TextModel chat, List<ChatMessage> history, GenerationParams params) {
        PrintStream out = terminal.text();
        Completion answer = chat.chat(history, params, piece -> {
            out.print(piece);
            out.flush();
        });
        out.println();
        out.flush();
        return answer;
    }
}
