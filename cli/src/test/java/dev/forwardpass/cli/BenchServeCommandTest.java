package dev.forwardpass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.text.TextModel;
import dev.forwardpass.server.OpenAiServer;
import dev.forwardpass.server.ServerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code bench-serve} against a real server of the embedded model. */
class BenchServeCommandTest {

    @Test
    void timesEachNumberOfClientsAfterAnUntimedWarmUp() throws Exception {
        TextModel model = TextModel.load(TextModel.Options.defaults().withThreads(1));
        OpenAiServer server = OpenAiServer.start(model, ServerOptions.defaults("stories260K").withPort(0));
        try {
            String url = "http://127.0.0.1:" + server.port();
            CliRunner run = CliRunner.run("bench-serve", "--url", url, "--clients", "1,3", "--requests", "2",
                    "--max-tokens", "4", "--warmup", "1");
            assertEquals(0, run.exitCode(), run.err());
            List<String> lines = run.out().lines().toList();
            assertEquals(3, lines.size(), run.out());
            assertTrue(lines.get(0).contains("tok/s") && lines.get(0).contains("itl p99"), lines.get(0));
            // clients, requests, tokens: each request streams at most 4 tokens (stories260K rarely ends sooner)
            assertRun(lines.get(1), 1, 2);
            assertRun(lines.get(2), 3, 6);
            // the warm-up: one request from each of the most clients, sent but not in the table
            assertEquals(3 + 2 + 6, completionRequests(url), "warm-up and timed requests the server received");
        } finally {
            server.close();
            model.close();
        }
    }

    @Test
    void refusesANumberOfClientsBelowOne() {
        String error = CliRunner.run("bench-serve", "--url", "http://127.0.0.1:9", "--clients", "1,0")
                .assertOneLineError(2);
        assertTrue(error.contains("--clients must each be >= 1, found [1, 0]"), error);
    }

    private static void assertRun(String line, int clients, int requests) {
        String[] fields = line.trim().split("\\s+");
        assertEquals(clients, Integer.parseInt(fields[0]), line);
        assertEquals(requests, Integer.parseInt(fields[1]), line);
        int tokens = Integer.parseInt(fields[2]);
        assertTrue(tokens > 0 && tokens <= 4 * requests, line);
        assertTrue(Double.parseDouble(fields[4]) > 0, "tok/s: " + line);
    }

    /** {@return the completion requests the server counted, from its Prometheus metrics} */
    private static long completionRequests(String url) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            String metrics = http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher count = Pattern.compile("(?m)^forwardpass_requests_total\\{endpoint=\"[^\"]*completions\"} (\\d+)")
                    .matcher(metrics);
            long total = 0;
            while (count.find()) {
                total += Long.parseLong(count.group(1));
            }
            return total;
        }
    }
}
