package dev.forwardpass.cli;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.Backend;
import dev.forwardpass.models.analysis.ModelComparison;
import dev.forwardpass.models.analysis.ModelComparison.Candidate;
import dev.forwardpass.models.analysis.ModelComparison.Position;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code compare}: the trained model against the same code with freshly initialised weights. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Run a prompt through the trained model and through an 'empty' one: the same architecture "
                + "and config with fresh weights (normal(0, 0.02) matrices and embeddings, ones for norms). "
                + "Shows per position the actual next token's probability, the entropy of each next-token "
                + "distribution (the uniform maximum is ln V), each model's top 5, and KL(trained || empty); "
                + "then mean log-likelihood, perplexity and top-1 agreement."})
final class CompareCommand implements Callable<Integer> {
    static final String DEFAULT_PROMPT = "Once upon a time, there was a little girl named Lily.";
    static final int TOP = 5;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = DEFAULT_PROMPT,
            description = "Text to score (default: \"${DEFAULT-VALUE}\").")
    String prompt;

    @Option(names = "--init-seed", paramLabel = "S", defaultValue = "42",
            description = "Seed of the empty model's initialisation (default: ${DEFAULT-VALUE}).")
    long initSeed;

    @Option(names = "--json", description = "Print one JSON object (its fields: docs/weights-versus-code.md).")
    boolean json;

    @Option(names = "--plot", paramLabel = "FILE.png",
            description = "Write a PNG chart: per-position entropy and actual-next-token probability, trained vs empty.")
    Path plot;

    @Mixin
    OverwriteOption overwrite;

    private final Terminal terminal;

    CompareCommand(Terminal terminal) {
        this.terminal = terminal;
    }

    @Override
    public Integer call() throws IOException {
        if (plot != null) {
            overwrite.checkWritable(plot);
        }
        ModelComparison.Result result;
        Tokenizer tokenizer;
        try (Backend backend = modelOptions.openBackend();
                LanguageModel trained = modelOptions.loadModel(backend);
                LanguageModel empty = modelOptions.loadEmpty(backend, initSeed)) {
            tokenizer = modelOptions.loadTokenizer(trained);
            int[] tokens = tokenizer.encode(prompt);
            checkArgument(tokens.length >= 2, "the prompt must encode to at least two tokens to score one");
            result = ModelComparison.compare(trained, empty, tokens, TOP);
        }
        if (plot != null) {
            ComparisonChart.write(result, plot);
        }
        PrintStream out = terminal.text();
        if (json) {
            Json.print(out, result);
        } else {
            printTable(out, result, tokenizer);
        }
        out.flush();
        return 0;
    }

    private static void printTable(PrintStream out, ModelComparison.Result r, Tokenizer tokenizer) {
        out.printf("%-4s %-14s %-14s %9s %9s %8s %8s %8s  %-44s %s%n", "pos", "token", "next", "p trained",
                "p empty", "H train", "H empty", "KL", "trained top 5", "empty top 5");
        for (Position p : r.positions()) {
            out.printf("%-4d %-14s %-14s %9.4f %9.6f %8.3f %8.3f %8.3f  %-44s %s%n", p.position(),
                    quote(tokenizer.piece(p.token())), quote(tokenizer.piece(p.nextToken())),
                    p.trained().nextTokenProb(), p.empty().nextTokenProb(), p.trained().entropy(), p.empty().entropy(),
                    p.klDivergence(), top(p.trained().top(), tokenizer), top(p.empty().top(), tokenizer));
        }
        out.printf("%ntrained: perplexity %.3f, mean log-likelihood %.4f, mean entropy %.4f nats%n",
                r.trained().perplexity(), r.trained().meanLogLikelihood(), r.trained().meanEntropy());
        out.printf("empty:   perplexity %.3f, mean log-likelihood %.4f, mean entropy %.4f nats%n",
                r.empty().perplexity(), r.empty().meanLogLikelihood(), r.empty().meanEntropy());
        out.printf("maximum entropy ln V = %.4f nats; top-1 agreement %.1f%%%n", r.maxEntropy(), 100 * r.top1Agreement());
    }

    private static String top(java.util.List<Candidate> candidates, Tokenizer tokenizer) {
        return candidates.stream().map(c -> quote(tokenizer.piece(c.id()))).collect(Collectors.joining(" "));
    }

    private static String quote(String piece) {
        return "'" + piece.replace("\n", "\\n") + "'";
    }
}
