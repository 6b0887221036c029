package dev.forwardpass.cli;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.Backend;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.sampling.Sampler;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench}: load, prefill and decode timings of a model on a backend: the first round cold (this fresh JVM's
 * first, as a user's one-off run sees it), then medians over warm repeats.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Load a model, prefill P prompt tokens as one batch, decode G tokens greedily: once cold (the "
                + "first round in this JVM), then untimed rounds until the JIT has compiled nothing for two rounds "
                + "and 2 s (at most S seconds), then R times warm; report the cold rates and the warm median (and "
                + "min/max). Make large random-weight models with 'init'.")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--prompt-tokens", paramLabel = "P", defaultValue = "128",
            description = "Prompt tokens to prefill (seeded random ids; default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--gen-tokens", paramLabel = "G", defaultValue = "128",
            description = "Tokens to decode after the prompt (default: ${DEFAULT-VALUE}).")
    int genTokens;

    @Option(names = "--repeat", paramLabel = "R", defaultValue = "5",
            description = "Warm repeats after the cold round (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "10",
            description = "The longest the untimed rounds after the cold one may take; they end once the JIT has "
                    + "compiled nothing for two rounds and 2 s (default: ${DEFAULT-VALUE}; 0 for none).")
    double warmupSeconds;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    /** How long the JIT must have compiled nothing before the warm rounds start: its compiles come in bursts. */
    private static final long QUIET_NANOS = 2_000_000_000L;

    private final Terminal terminal;

    BenchCommand(Terminal terminal) {
        this.terminal = terminal;
    }

    /** The figures of one bench run: the cold round's rates, then the warm ones as medians over the repeats. */
    record Report(String backend, int threads, String model, long weightsBytes, double loadMs, int prefillTokens,
            double coldPrefillTokensPerS, double coldDecodeTokensPerS, double prefillTokensPerS, int decodeTokens,
            double decodeTokensPerS, double decodeMinTokensPerS, double decodeMaxTokensPerS,
            double decodeWeightsGbPerS, int repeats, double warmupSeconds) {}

    @Override
    public Integer call() throws IOException {
        checkArgument(promptTokens >= 1, "--prompt-tokens must be >= 1, found %s", promptTokens);
        checkArgument(genTokens >= 1, "--gen-tokens must be >= 1, found %s", genTokens);
        checkArgument(repeat >= 1, "--repeat must be >= 1, found %s", repeat);
        checkArgument(warmupSeconds >= 0 && warmupSeconds <= 3600, "--warmup-seconds must be 0 to 3600, found %s",
                warmupSeconds);
        Report report;
        try (Backend backend = modelOptions.openBackend()) {
            long loadStart = System.nanoTime();
            try (LanguageModel model = modelOptions.loadModel(backend)) {
                double loadMs;
                try (LanguageModel.Session session = model.newSession()) {
                    loadMs = (System.nanoTime() - loadStart) / 1e6;
                    checkArgument(promptTokens + genTokens <= model.seqLen(),
                            "--prompt-tokens + --gen-tokens = %s exceed the model's context of %s",
                            promptTokens + genTokens, model.seqLen());
                    int[] prompt = new SplittableRandom(42).ints(promptTokens, 0, model.vocabSize()).toArray();
                    double[] coldPrefillRate = new double[1];
                    double[] coldDecodeRate = new double[1];
                    double[] prefillRates = new double[repeat];
                    double[] decodeRates = new double[repeat];
                    // the cold round pays the JIT's compilation and the weights' first touch
                    run(session, prompt, genTokens, model.vocabSize(), coldPrefillRate, coldDecodeRate, 0);
                    double warmedSeconds = warmUp(session, prompt, model.vocabSize());
                    for (int r = 0; r < repeat; r++) {
                        run(session, prompt, genTokens, model.vocabSize(), prefillRates, decodeRates, r);
                    }
                    Arrays.sort(prefillRates);
                    Arrays.sort(decodeRates);
                    double decodeMedian = median(decodeRates);
                    report = new Report(backend.name(), backend.threads(), model.source(), model.weightBytes(), loadMs,
                            promptTokens, coldPrefillRate[0], coldDecodeRate[0], median(prefillRates), genTokens,
                            decodeMedian, decodeRates[0], decodeRates[repeat - 1],
                            decodeMedian * model.weightBytes() / 1e9, repeat, warmedSeconds);
                }
            }
        }
        PrintStream out = terminal.text();
        if (json) {
            Json.print(out, report);
        } else {
            out.printf("model %s (%,d bytes of weights) on %s, %d threads; load %.1f ms%n", report.model(),
                    report.weightsBytes(), report.backend(), report.threads(), report.loadMs());
            out.printf("cold:    prefill %d tokens at %.1f tok/s, decode %d tokens at %.2f tok/s (first round in "
                    + "this JVM)%n", promptTokens, report.coldPrefillTokensPerS(), genTokens,
                    report.coldDecodeTokensPerS());
            out.printf("prefill: %d tokens at %.1f tok/s (warm median of %d, after %.1f s of warm-up)%n",
                    promptTokens, report.prefillTokensPerS(), repeat, report.warmupSeconds());
            out.printf("decode:  %d tokens at %.2f tok/s (warm median; min %.2f, max %.2f) = %.2f GB/s of weights%n",
                    genTokens, report.decodeTokensPerS(), report.decodeMinTokensPerS(), report.decodeMaxTokensPerS(),
                    report.decodeWeightsGbPerS());
        }
        out.flush();
        return 0;
    }

    /**
     * Runs untimed rounds until the JIT has compiled nothing for two rounds and {@link #QUIET_NANOS}, or until
     * {@link #warmupSeconds} have passed; {@return the seconds they took}. C2 compiles the kernels in the background
     * for seconds after the cold round, and rounds timed before it has finished measure a mix of compiled and
     * uncompiled code: stories260K gave a warm median of 11.5K tok/s over 30 rounds of 255 tokens after 3 s of
     * rounds, 13.7K after 10 s.
     */
    private double warmUp(LanguageModel.Session session, int[] prompt, int vocabSize) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean measurable = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime();
        long end = start + (long) (warmupSeconds * 1e9);
        double[] ignored = new double[1];
        int quietRounds = 0;
        long quietSince = start;
        long compiled = measurable ? jit.getTotalCompilationTime() : -1;
        while (System.nanoTime() < end && (quietRounds < 2 || System.nanoTime() - quietSince < QUIET_NANOS)) {
            run(session, prompt, genTokens, vocabSize, ignored, ignored, 0);
            long compiledNow = measurable ? jit.getTotalCompilationTime() : -1;
            if (!measurable || compiledNow != compiled) {
                quietRounds = 0;
                quietSince = System.nanoTime();
                compiled = compiledNow;
            } else {
                quietRounds++;
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** One round: prefill the prompt from position 0, then decode greedily; records both rates at index r. */
    private static void run(LanguageModel.Session session, int[] prompt, int genTokens, int vocabSize,
            double[] prefillRates, double[] decodeRates, int r) {
        long start = System.nanoTime();
        float[] logits = session.prefill(prompt, 0);
        long prefilled = System.nanoTime();
        int token = Sampler.argmax(logits);
        for (int i = 0; i < genTokens; i++) {
            token = Sampler.argmax(session.forward(token, prompt.length + i)) % vocabSize;
        }
        long decoded = System.nanoTime();
        prefillRates[r] = prompt.length / ((prefilled - start) / 1e9);
        decodeRates[r] = genTokens / ((decoded - prefilled) / 1e9);
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
