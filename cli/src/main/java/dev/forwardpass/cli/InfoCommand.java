package dev.forwardpass.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forwardpass.api.Backend;
import dev.forwardpass.models.decoder.LanguageModel;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;
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
        Map<String, Object> info = new LinkedHashMap<>();
        try (Backend backend = modelOptions.openBackend(); LanguageModel model = modelOptions.loadModel(backend)) {
            info.put("model", model.source());
            info.put("architecture", model.architecture());
            Record config = model.config();
            for (RecordComponent component : config.getClass().getRecordComponents()) {
                try {
                    info.put(component.getName(), component.getAccessor().invoke(config));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read config component " + component.getName(), e);
                }
            }
            info.put("parameters", model.parameterCount());
        }
        PrintStream out = terminal.text();
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(info));
        } else {
            info.forEach((key, value) -> out.printf("%-13s %s%n", key + ":",
                    value instanceof Long count ? String.format("%,d", count) : value));
        }
        out.flush();
        return 0;
    }
}
