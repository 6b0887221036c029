package dev.forwardpass.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The jar's entry point: JMH's own command line ({@code org.openjdk.jmh.Main}, every option as documented there),
 * with two differences that keep a run of every backend clean.
 * <ol>
 *   <li><b>Backends that cannot run here are left out, not failed.</b> Before any benchmark, each requested backend
 *       ({@code -p backend=...}, default: scalar, java, djl) is tried once in a JVM started like a benchmark fork
 *       ({@link BackendProbe}). One that is missing, unavailable (no PyTorch natives) or fails to start is reported in
 *       one line and removed from the {@code backend} parameter; without this, every benchmark fork of it would fail
 *       with a stack trace.
 *   <li><b>The scalar backend runs on one thread only.</b> It has no threads, so its {@code threads=2} runs would
 *       measure the same thing twice (for minutes: it is the slow one). Benchmarks with a {@code threads} parameter run
 *       in two passes, the other backends at the requested thread counts, then scalar at {@code threads=1}; the
 *       results are merged into one {@code -rf}/{@code -rff} file and one summary.
 * </ol>
 * Listing and help options ({@code -l}, {@code -lp}, {@code -lprof}, {@code -lrf}, {@code -h}) go to JMH unchanged.
 */
public final class BenchmarkMain {
    private static final String BACKEND = "backend";
    private static final String THREADS = "threads";
    private static final String SCALAR = "scalar";
    private static final long PROBE_TIMEOUT_SECONDS = 300; // the first load of PyTorch unpacks ~450 MB of natives

    private BenchmarkMain() {}

    public static void main(String[] args) throws Exception {
        if (Arrays.stream(args).anyMatch(a -> List.of("-l", "-lp", "-lprof", "-lrf", "-h", "--help").contains(a))) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        // The result file is written here, once, for all passes; JMH would overwrite it after each.
        List<String> jmhArgs = new ArrayList<>();
        String resultFormat = null;
        String resultFile = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if ((a.equals("-rf") || a.equals("-rff")) && i + 1 < args.length) {
                if (a.equals("-rf")) {
                    resultFormat = args[++i];
                } else {
                    resultFile = args[++i];
                }
            } else if (a.startsWith("-rf=")) {
                resultFormat = a.substring(4);
            } else if (a.startsWith("-rff=")) {
                resultFile = a.substring(5);
            } else {
                jmhArgs.add(a);
            }
        }
        CommandLineOptions cmd;
        try {
            cmd = new CommandLineOptions(jmhArgs.toArray(String[]::new));
        } catch (CommandLineOptionException e) {
            System.err.println("Error parsing command line: " + e.getMessage());
            System.exit(1);
            return;
        }
        ResultFormatType format = null;
        if (resultFormat != null || resultFile != null) {
            try {
                format = resultFormat == null ? ResultFormatType.CSV
                        : ResultFormatType.valueOf(resultFormat.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                System.err.println("Unknown result format " + resultFormat + " (known: "
                        + Arrays.toString(ResultFormatType.values()).toLowerCase(Locale.ROOT) + ")");
                System.exit(1);
                return;
            }
            if (resultFile == null) {
                resultFile = "jmh-result." + format.toString().toLowerCase(Locale.ROOT);
            }
        }

        List<BenchmarkListEntry> selected = new ArrayList<>(BenchmarkList.defaultList().find(
                OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT),
                cmd.getIncludes(), cmd.getExcludes()));
        if (selected.isEmpty()) {
            System.err.println("No benchmark matches " + cmd.getIncludes() + "; list them with -l");
            System.exit(1);
        }
        List<String> backends = new ArrayList<>(cmd.getParameter(BACKEND).hasValue()
                ? cmd.getParameter(BACKEND).get() : List.of(BenchmarkBackends.ALL));
        boolean anyBackendParam = selected.stream().anyMatch(e -> has(e, BACKEND));
        if (anyBackendParam) {
            backends.retainAll(runnable(backends, cmd));
        }

        List<RunResult> results = new ArrayList<>();
        List<String> others = backends.stream().filter(b -> !b.equals(SCALAR)).toList();
        // pass 1: every benchmark, with every backend but scalar
        ChainedOptionsBuilder first = new OptionsBuilder().parent(cmd);
        if (others.isEmpty()) {
            excludeWhere(first, selected, e -> has(e, BACKEND));
        } else {
            first.param(BACKEND, others.toArray(String[]::new));
        }
        if (selected.stream().anyMatch(e -> !others.isEmpty() || !has(e, BACKEND))) {
            results.addAll(run(first));
        }
        // pass 2: scalar, on one thread
        if (backends.contains(SCALAR) && anyBackendParam) {
            boolean oneThread = !cmd.getParameter(THREADS).hasValue() || cmd.getParameter(THREADS).get().contains("1");
            if (!oneThread) {
                System.out.println("# Backend scalar runs on one thread only: its benchmarks with a threads "
                        + "parameter are left out (threads=" + cmd.getParameter(THREADS).get() + " was asked for)");
            }
            ChainedOptionsBuilder second = new OptionsBuilder().parent(cmd).param(BACKEND, SCALAR).param(THREADS, "1");
            excludeWhere(second, selected, e -> !has(e, BACKEND) || (!oneThread && has(e, THREADS)));
            if (selected.stream().anyMatch(e -> has(e, BACKEND) && (oneThread || !has(e, THREADS)))) {
                results.addAll(run(second));
            }
        }

        if (results.isEmpty()) {
            System.err.println("Nothing was run: no backend can run here for the selected benchmarks");
            System.exit(1);
        }
        System.out.println();
        System.out.println("# All results (" + results.size() + " benchmarks):");
        ResultFormatFactory.getInstance(ResultFormatType.TEXT, System.out).writeOut(results);
        if (format != null) {
            ResultFormatFactory.getInstance(format, resultFile).writeOut(results);
            System.out.println("# Results written to " + Path.of(resultFile).toAbsolutePath());
        }
    }

    private static Collection<RunResult> run(ChainedOptionsBuilder options) throws RunnerException {
        return new Runner(options.build()).run();
    }

    private static boolean has(BenchmarkListEntry entry, String param) {
        return entry.getParams().hasValue() && entry.getParams().get().containsKey(param);
    }

    private static void excludeWhere(ChainedOptionsBuilder options, List<BenchmarkListEntry> entries,
                                     Predicate<BenchmarkListEntry> exclude) {
        entries.stream().filter(exclude).map(BenchmarkListEntry::getUsername).distinct()
                .forEach(name -> options.exclude("^" + Pattern.quote(name) + "$"));
    }

    /**
     * {@return those of {@code backends} that start and compute in a JVM started like a benchmark fork}; prints a line
     * for each one left out.
     */
    private static List<String> runnable(List<String> backends, CommandLineOptions cmd) throws IOException,
            InterruptedException {
        String java = cmd.getJvm().hasValue() ? cmd.getJvm().get()
                : Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(ForkFlags.ALL); // the probe must see the JVM a fork sees
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BackendProbe.class.getName()));
        command.addAll(backends);
        Process probe = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        // a watchdog ends a probe that hangs; reading its output then stops at the end of the stream
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                if (!probe.waitFor(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    probe.destroyForcibly();
                }
            } catch (InterruptedException e) {
                probe.destroyForcibly();
            }
        });
        Map<String, String> problems = new LinkedHashMap<>();
        for (String b : backends) {
            problems.put(b, "the probe JVM ended (or was stopped after " + PROBE_TIMEOUT_SECONDS
                    + " s) before it was tried");
        }
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith(BackendProbe.OK)) {
                    problems.remove(line.substring(BackendProbe.OK.length()).trim());
                } else if (line.startsWith(BackendProbe.FAILED)) {
                    String rest = line.substring(BackendProbe.FAILED.length());
                    int space = rest.indexOf(' ');
                    problems.put(space < 0 ? rest : rest.substring(0, space),
                            space < 0 ? "failed" : rest.substring(space + 1));
                }
            }
        }
        watchdog.join();
        problems.forEach((b, p) -> System.out.println("# Skipping backend " + b + ": " + p));
        return backends.stream().filter(b -> !problems.containsKey(b)).toList();
    }
}
