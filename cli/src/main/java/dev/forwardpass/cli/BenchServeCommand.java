package dev.forwardpass.cli;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench-serve}: a load generator for a running {@code serve}. For each number of concurrent clients, each
 * client streams its requests one after another; it reports the aggregate tokens per second, the time to the first
 * token and the latency between tokens (p50 and p99).
 *
 * <p>Before the timed runs it sends untimed requests ({@code --warmup}): a load generator on the same machine as the
 * server must not measure its own start. Cold, this JVM's HTTP client and JSON parsing run interpreted and then
 * compiled during the first run, on the server's cores, and make that run (one stream, by default) look slower than
 * the server is (docs/performance.md).
 */
@Command(name = "bench-serve", mixinStandardHelpOptions = true,
        description = "Load a running 'forwardpass serve' with concurrent streaming clients; report tokens/s, time to "
                + "first token and inter-token latency (p50, p99).")
final class BenchServeCommand implements Callable<Integer> {
    @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
            description = "The server (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--clients", paramLabel = "N", split = ",", defaultValue = "1,8,32",
            description = "Concurrent streaming clients, one run per number (default: ${DEFAULT-VALUE}).")
    List<Integer> clients;

    @Option(names = "--requests", paramLabel = "R", defaultValue = "2",
            description = "Requests each client sends, one after another (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "64",
            description = "Tokens each request asks for (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--warmup", paramLabel = "R", defaultValue = "1",
            description = "Untimed requests each of the most clients sends first, so that this JVM is warm when "
                    + "timing starts (default: ${DEFAULT-VALUE}; 0 for none).")
    int warmup;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "Once upon a time",
            description = "The prompt of every request (a text completion; default: '${DEFAULT-VALUE}').")
    String prompt;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:FORWARDPASS_API_KEY}",
            description = "The server's API key, if it has one (default: $FORWARDPASS_API_KEY).")
    String apiKey;

    private final Terminal terminal;

    BenchServeCommand(Terminal terminal) {
        this.terminal = terminal;
    }

    /** What one streamed request measured. */
    private record Timing(long sentNanos, long firstTokenNanos, long[] gapsNanos, long tokens) {}

    @Override
    public Integer call() throws Exception {
        checkArgument(clients.stream().allMatch(n -> n >= 1), "--clients must each be >= 1, found %s", clients);
        checkArgument(requests >= 1, "--requests must be >= 1, found %s", requests);
        checkArgument(maxTokens >= 1, "--max-tokens must be >= 1, found %s", maxTokens);
        checkArgument(warmup >= 0, "--warmup must be >= 0, found %s", warmup);
        PrintStream out = terminal.text();
        out.printf("%7s %8s %8s %8s %9s %10s %10s %9s %9s%n", "clients", "requests", "tokens", "wall s", "tok/s",
                "ttft p50", "ttft p99", "itl p50", "itl p99");
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            if (warmup > 0) {
                run(http, Collections.max(clients), warmup);
            }
            for (int n : clients) {
                long start = System.nanoTime();
                List<Timing> timings = run(http, n, requests);
                print(out, n, timings, (System.nanoTime() - start) / 1e9);
            }
        }
        return 0;
    }

    /** Runs {@code n} clients, each streaming {@code each} requests one after another; {@return their timings} */
    private List<Timing> run(HttpClient http, int n, int each) throws Exception {
        List<Timing> timings = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<Timing>>> runs = new ArrayList<>();
            for (int c = 0; c < n; c++) {
                runs.add(pool.submit(() -> {
                    List<Timing> mine = new ArrayList<>();
                    for (int r = 0; r < each; r++) {
                        mine.add(stream(http));
                    }
                    return mine;
                }));
            }
            for (Future<List<Timing>> run : runs) {
                timings.addAll(run.get());
            }
        }
        return timings;
    }

    /** Prints the line of a run of {@code n} clients that took {@code wall} seconds. */
    private static void print(PrintStream out, int n, List<Timing> timings, double wall) {
        long tokens = timings.stream().mapToLong(Timing::tokens).sum();
        long[] ttft = timings.stream().mapToLong(t -> t.firstTokenNanos() - t.sentNanos()).sorted().toArray();
        long[] gaps = timings.stream().flatMapToLong(t -> Arrays.stream(t.gapsNanos())).sorted().toArray();
        out.printf("%7d %8d %8d %8.2f %9.2f %8.1fms %8.1fms %7.1fms %7.1fms%n", n, timings.size(), tokens, wall,
                tokens / wall, millis(ttft, 50), millis(ttft, 99), millis(gaps, 50), millis(gaps, 99));
        out.flush();
    }

    /** Streams one request, timing each chunk that carries a token. */
    private Timing stream(HttpClient http) throws IOException, InterruptedException {
        String body = Json.object().put("prompt", prompt).put("max_tokens", maxTokens)
                .put("stream", true).put("logprobs", 0)
                .set("stream_options", Json.object().put("include_usage", true)).toString();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        long sent = System.nanoTime();
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        long[] gaps = new long[maxTokens];
        int chunks = 0;
        long first = 0;
        long last = 0;
        long tokens = 0;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            if (response.statusCode() != 200) {
                throw new IOException("the server answered " + response.statusCode() + ": " + lines.readLine());
            }
            for (String line; (line = lines.readLine()) != null; ) {
                if (!line.startsWith("data: {")) {
                    continue;
                }
                JsonNode chunk = Json.read(line.substring("data: ".length()));
                long now = System.nanoTime();
                if (chunk.has("usage") && !chunk.get("usage").isNull()) {
                    tokens = chunk.at("/usage/completion_tokens").asLong();
                } else if (chunk.at("/choices/0/logprobs/tokens").size() > 0) {
                    // one chunk a generated token: its logprobs say so even when its text is still held back
                    if (chunks == 0) {
                        first = now;
                    } else if (chunks <= gaps.length) {
                        gaps[chunks - 1] = now - last;
                    }
                    chunks++;
                    last = now;
                }
            }
        }
        return new Timing(sent, first == 0 ? last : first, Arrays.copyOf(gaps, Math.max(0, Math.min(chunks - 1,
                gaps.length))), tokens);
    }

    /** {@return the {@code p}th percentile of sorted nanoseconds, in milliseconds} (nearest rank; 0 if none) */
    private static double millis(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)] / 1e6;
    }
}
