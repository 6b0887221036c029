package dev.forwardpass.cli;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.Backend;
import dev.forwardpass.models.analysis.Distribution;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code logits}: the model's next-token distribution at every position of a prompt. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Run a prompt through the model and show, for every position, the top-K next tokens "
                + "with logit and probability, and the log-sum-exp of the logits.")
final class LogitsCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--prompt", paramLabel = "TEXT", required = true,
                description = "Text, encoded with BOS as generate does.")
        String prompt;

        @Option(names = "--token-ids", paramLabel = "ID,ID,...", split = ",", required = true,
                description = "Token ids, used exactly as given (no BOS is added).")
        int[] tokenIds;
    }

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "5", description = "Tokens shown per position (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    private final Terminal terminal;

    LogitsCommand(Terminal terminal) {
        this.terminal = terminal;
    }

    /** One candidate next token. */
    record Candidate(int id, double logit, double prob) {}

    /** The distribution after one position. */
    record Position(int position, int token, double logsumexp, List<Candidate> top) {}

    /** The whole output of {@code --json}. */
    record Report(int[] tokens, List<Position> positions) {}

    @Override
    public Integer call() throws IOException {
        checkArgument(topK >= 1, "--top-k must be >= 1, found %s", topK);
        try (Backend backend = modelOptions.openBackend();
                LanguageModel model = modelOptions.loadModel(backend);
                LanguageModel.Session session = model.newSession()) {
            // token ids need no tokenizer: a folder with only config.json and weights works (pieces are then not shown)
            Tokenizer tokenizer = input.prompt != null ? modelOptions.loadTokenizer(model) : optionalTokenizer(model);
            int[] tokens = input.prompt != null ? tokenizer.encode(input.prompt) : input.tokenIds.clone();
            checkArgument(tokens.length >= 1, "no tokens to run");
            checkArgument(tokens.length <= model.seqLen(), "%s tokens are longer than the model's context of %s",
                    tokens.length, model.seqLen());
            for (int token : tokens) {
                checkArgument(token >= 0 && token < model.vocabSize(), "token id %s is outside the vocabulary of %s",
                        token, model.vocabSize());
            }
            List<Position> positions = new ArrayList<>(tokens.length);
            int k = Math.min(topK, model.vocabSize());
            session.prefill(tokens, 0, (pos, logits) -> positions.add(describe(pos, tokens[pos], logits, k)));
            PrintStream out = terminal.text();
            if (json) {
                Json.print(out, new Report(tokens, positions));
            } else {
                printTable(out, positions, tokenizer);
            }
            out.flush();
        }
        return 0;
    }

    private Tokenizer optionalTokenizer(LanguageModel model) throws IOException {
        try {
            return modelOptions.loadTokenizer(model);
        } catch (NoSuchFileException noTokenizer) {
            return null;
        }
    }

    /** The top-K tokens of one position, probabilities in double precision. */
    static Position describe(int pos, int token, float[] logits, int k) {
        Distribution distribution = Distribution.ofLogits(logits);
        List<Candidate> candidates = new ArrayList<>(k);
        for (int id : distribution.top(k)) {
            candidates.add(new Candidate(id, logits[id], distribution.prob(id)));
        }
        return new Position(pos, token, distribution.logSumExp(), candidates);
    }

    private static void printTable(PrintStream out, List<Position> positions, Tokenizer tokenizer) {
        out.printf("%-5s %-22s %10s  %s%n", "pos", "token", "logsumexp", "top next tokens: id 'piece' logit (probability)");
        for (Position p : positions) {
            StringBuilder line = new StringBuilder();
            for (Candidate c : p.top()) {
                line.append(String.format("%6d %-12s %8.3f (%5.1f%%)   ", c.id(), piece(tokenizer, c.id()),
                        c.logit(), 100 * c.prob()));
            }
            out.printf("%-5d %-22s %10.4f  %s%n", p.position(), p.token() + " " + piece(tokenizer, p.token()),
                    p.logsumexp(), line.toString().stripTrailing());
        }
    }

    private static String quote(String piece) {
        return "'" + piece.replace("\n", "\\n") + "'";
    }

    private static String piece(Tokenizer tokenizer, int id) {
        return tokenizer == null ? "" : quote(tokenizer.piece(id));
    }
}
