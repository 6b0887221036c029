package dev.forwardpass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forwardpass.api.Backend;
import dev.forwardpass.models.decoder.LanguageModel;
import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code info}: a model's architecture, config and parameter count. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show a model's config and parameter count.")
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
        PrintStream out = terminal.text();
        if (json) {
            Json.print(out, info);
        } else {
            info.properties().forEach(field -> out.printf("%-13s %s%n", field.getKey() + ":", text(field.getValue())));
        }
        out.flush();
        return 0;
    }

    /** {@return a value as the table shows it: text bare, a count grouped (260,032), anything else as JSON} */
    private static String text(JsonNode value) {
        return value.isTextual() ? value.asText() : value.isLong() ? String.format("%,d", value.asLong()) : value.toString();
    }
}
