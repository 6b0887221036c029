package dev.forwardpass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forwardpass.api.Backend;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.gguf.GgufSummary;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code info}: a model's architecture, config and parameter count; for a GGUF file also its metadata's headlines and
 * its tensors by type.
 */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show a model's config and parameter count "
        + "(and, for a GGUF file, its metadata and tensor types).")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    private final Terminal terminal;

    InfoCommand(Terminal terminal) {
        this.terminal = terminal;
    }

    @Override
    public Integer call() throws IOException {
        ObjectNode info = Json.object();
        try (Backend backend = modelOptions.openBackend(); LanguageModel model = modelOptions.loadModel(backend)) {
            info.put("model", model.source());
            info.put("architecture", model.architecture());
            info.setAll(Json.tree(model.config()));
            info.put("parameters", model.parameterCount());
        }
        Optional<GgufSummary> gguf = modelOptions.model == null ? Optional.empty() : GgufSummary.of(modelOptions.model);
        gguf.ifPresent(summary -> info.set("gguf", Json.tree(summary)));
        PrintStream out = terminal.text();
        if (json) {
            Json.print(out, info);
        } else {
            info.properties().stream().filter(field -> !field.getKey().equals("gguf"))
                    .forEach(field -> out.printf("%-13s %s%n", field.getKey() + ":", text(field.getValue())));
            gguf.ifPresent(summary -> print(out, summary));
        }
        out.flush();
        return 0;
    }

    /** Prints a GGUF file's summary as four lines of the table. */
    private static void print(PrintStream out, GgufSummary g) {
        out.printf("%-13s version %d, %s, %s%n", "gguf:", g.version(), g.name() == null ? "no general.name" : g.name(),
                g.fileType() == null ? "no general.file_type" : g.fileType());
        out.printf("%-13s %s%n", "context:", g.contextLength() == null ? "not given"
                : String.format("%,d (%s.context_length)", g.contextLength(), g.architecture()));
        out.printf("%-13s %s, %s chat template%n", "vocabulary:", g.vocabulary() == null ? "none in the file"
                : String.format("%s, %,d tokens", g.vocabulary(), g.vocabularySize()), g.chatTemplate() ? "a" : "no");
        out.printf("%-13s %s%n", "tensors:", g.tensorTypes().stream()
                .map(t -> String.format("%s %d (%,d bytes)", t.type(), t.tensors(), t.bytes()))
                .collect(Collectors.joining(", ")));
    }

    /** {@return a value as the table shows it: text bare, a count grouped (260,032), anything else as JSON} */
    private static String text(JsonNode value) {
        return value.isTextual() ? value.asText() : value.isLong() ? String.format("%,d", value.asLong()) : value.toString();
    }
}
