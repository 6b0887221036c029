package dev.forwardpass.cli;

import dev.forwardpass.api.Backend;
import dev.forwardpass.models.analysis.Perplexity;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.format.InputFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code perplexity}: how surprised the model is by a text file. */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Perplexity of a text file: exp of the mean negative log-likelihood of each token given "
                + "the ones before it (a sliding window for texts longer than the context).")
final class PerplexityCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--file", paramLabel = "TEXT.txt", required = true, description = "UTF-8 text to score.")
    Path file;

    @Option(names = "--context", paramLabel = "N", description = "Window length in tokens (default: the model's context).")
    Integer context;

    @Option(names = "--stride", paramLabel = "S",
            description = "Tokens between window starts (default: the window length, i.e. disjoint windows).")
    Integer stride;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    private final Terminal terminal;

    PerplexityCommand(Terminal terminal) {
        this.terminal = terminal;
    }

    /** The output of {@code --json}: the negative log-likelihood is a sum in nats over the scored tokens. */
    record Report(double perplexity, int tokens, int scoredTokens, double negativeLogLikelihood, int windows) {}

    @Override
    public Integer call() throws IOException {
        String text = InputFiles.readText(file);
        Perplexity.Result result;
        int tokenCount;
        try (Backend backend = modelOptions.openBackend(); LanguageModel model = modelOptions.loadModel(backend)) {
            int[] tokens = modelOptions.loadTokenizer(model).encode(text);
            tokenCount = tokens.length;
            int window = context != null ? context : model.seqLen();
            int step = stride != null ? stride : window;
            ProgressBar progress = new ProgressBar(terminal.err(), tokens.length - 1, tokens.length > window);
            result = Perplexity.of(model, tokens, window, step, progress::update);
            progress.finish();
        }
        PrintStream out = terminal.text();
        if (json) {
            Json.print(out, new Report(result.perplexity(), tokenCount, result.scoredTokens(),
                    result.negativeLogLikelihood(), result.windows()));
        } else {
            out.printf("perplexity %.4f over %d tokens (%d scored, %d windows, mean NLL %.4f nats)%n",
                    result.perplexity(), tokenCount, result.scoredTokens(), result.windows(),
                    result.negativeLogLikelihood() / result.scoredTokens());
        }
        out.flush();
        return 0;
    }

    /** A one-line progress bar on stderr, redrawn in place. */
    private record ProgressBar(PrintStream err, int total, boolean enabled) {
        void update(int done) {
            if (enabled) {
                int width = 40;
                int filled = (int) ((long) width * done / Math.max(1, total));
                err.printf("\r[%s%s] %d/%d tokens", "#".repeat(filled), ".".repeat(width - filled), done, total);
                err.flush();
            }
        }

        void finish() {
            if (enabled) {
                err.println();
            }
        }
    }
}
