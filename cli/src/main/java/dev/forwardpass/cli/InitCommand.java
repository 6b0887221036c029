package dev.forwardpass.cli;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.models.decoder.RandomCheckpoint;
import dev.forwardpass.models.llama.Llama;
import dev.forwardpass.models.llama.LlamaConfig;
import dev.forwardpass.models.llama.LlamaPresets;
import dev.forwardpass.models.llama2c.Llama2cWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code init}: writes a seeded random-weight llama2.c checkpoint of a public TinyStories shape. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Write a llama2.c checkpoint of a public TinyStories shape with seeded random weights "
                + "(normal(0, 0.02), norms 1), so that benchmarks need no download.")
final class InitCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "NAME", required = true,
            description = "One of: tinystories-15m, tinystories-42m, tinystories-110m.")
    String config;

    @Option(names = "--out", paramLabel = "FILE.bin", required = true,
            description = "Where to write the checkpoint (the 110m shape is 438 MB).")
    Path out;

    @Mixin
    OverwriteOption overwrite;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Initialisation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    private final Terminal terminal;

    InitCommand(Terminal terminal) {
        this.terminal = terminal;
    }

    @Override
    public Integer call() throws IOException {
        overwrite.checkWritable(out);
        LlamaConfig shape = LlamaPresets.all().get(config);
        checkArgument(shape != null, "unknown config '%s' (available: %s)", config,
                String.join(", ", LlamaPresets.all().keySet()));
        try (RandomCheckpoint<LlamaConfig> weights = RandomCheckpoint.of(Llama.ARCHITECTURE, shape, seed)) {
            Llama2cWriter.write(weights, out);
        }
        terminal.err().printf("wrote %s: %s, %,d bytes%n", out, config, Files.size(out));
        return 0;
    }
}
