package dev.forwardpass.cli;

import dev.forwardpass.api.Backend;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.text.GenerationParams;
import dev.forwardpass.models.text.RunCGenerator;
import dev.forwardpass.models.text.TextModel;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code generate}: continues a prompt; stdout carries exactly what llama2.c's run.c prints for the same flags. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a prompt, token by token (as llama2.c's run.c does for the same flags).")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"--prompt", "-i"}, paramLabel = "TEXT", defaultValue = "",
            description = "Text to continue (default: empty, i.e. start from BOS).")
    String prompt;

    @Option(names = {"--steps", "-n"}, paramLabel = "N", defaultValue = "256",
            description = "Positions to run, BOS and prompt included; 0 = the model's context (default: ${DEFAULT-VALUE}).")
    int steps;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--max-tokens", paramLabel = "N",
            description = "Sample at most N tokens (default: as many as --steps leaves).")
    Integer maxTokens;

    @Option(names = "--stop", paramLabel = "TEXT",
            description = "End the text where TEXT appears (not printed); repeatable. The continuation is then printed "
                    + "as whole characters.")
    List<String> stop = List.of();

    @Option(names = "--empty",
            description = "Use an 'empty' model: the same architecture with freshly initialised weights (see compare).")
    boolean empty;

    @Option(names = "--init-seed", paramLabel = "S", defaultValue = "42",
            description = "Seed of the --empty model's initialisation (default: ${DEFAULT-VALUE}).")
    long initSeed;

    private final Terminal terminal;

    GenerateCommand(Terminal terminal) {
        this.terminal = terminal;
    }

    @Override
    public Integer call() throws IOException {
        // run.c's sampler and defaults; any other sampler flag adds its step to run.c's order
        SamplingParams runC = sampling.over(SamplingParams.runC(1.0f, 0.9f, System.currentTimeMillis() / 1000));
        GenerationParams params = new GenerationParams(maxTokens != null ? maxTokens : Integer.MAX_VALUE, stop, runC);
        try (Backend backend = modelOptions.openBackend();
                LanguageModel model = empty
                        ? modelOptions.loadEmpty(backend, initSeed)
                        : modelOptions.loadModel(backend)) {
            Tokenizer tokenizer = modelOptions.loadTokenizer(model);
            OutputStream out = terminal.out();
            RunCGenerator.Result result = RunCGenerator.generate(TextModel.of(model, tokenizer), prompt, steps, params,
                    piece -> write(out, piece));
            out.write('\n');
            out.flush();
            if (result.positions() > 1) {
                terminal.err().printf("achieved tok/s: %f (%s backend, %d threads)%n", result.tokensPerSecond(),
                        backend.name(), backend.threads());
            }
        }
        return 0;
    }

    private static void write(OutputStream out, byte[] piece) {
        try {
            out.write(piece);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
