package dev.forwardpass.cli;

import dev.forwardpass.api.Backend;
import dev.forwardpass.models.decoder.LanguageModel;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tokenize}: the token ids of a text, with BOS as run.c adds it. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of a text, as generate encodes a prompt (with BOS where the tokenizer adds one).")
final class TokenizeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--text", paramLabel = "TEXT", required = true, description = "Text to encode.")
    String text;

    @Option(names = "--json", description = "Print {\"ids\":[...]}.")
    boolean json;

    private final Terminal terminal;

    TokenizeCommand(Terminal terminal) {
        this.terminal = terminal;
    }

    /** The output of {@code --json}. */
    record Report(int[] ids) {}

    @Override
    public Integer call() throws IOException {
        int[] ids;
        // the tokenizer's vocabulary size comes from the model's config
        try (Backend backend = modelOptions.openBackend(); LanguageModel model = modelOptions.loadModel(backend)) {
            ids = modelOptions.loadTokenizer(model).encode(text);
        }
        PrintStream out = terminal.text();
        if (json) {
            Json.print(out, new Report(ids));
        } else {
            out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
        }
        out.flush();
        return 0;
    }
}
