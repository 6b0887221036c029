package dev.forwardpass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** compare, perplexity and generate --empty on the embedded stories260K model. */
class AnalysisCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void theTrainedModelKnowsWhatTheEmptyOneDoesNot() throws Exception {
        Path png = dir.resolve("compare.png");
        CliRunner run = CliRunner.run("compare", "--prompt", "Once upon a time, there was a little girl named Lily.",
                "--json", "--plot", png.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode r = JSON.readTree(run.out());
        double maxEntropy = r.get("max_entropy").asDouble();
        assertEquals(Math.log(512), maxEntropy, 1e-12);

        double trainedPerplexity = r.get("trained").get("perplexity").asDouble();
        double emptyPerplexity = r.get("empty").get("perplexity").asDouble();
        // The sentence is the model's own greedy story: it predicts it well (perplexity of a few tokens' choice).
        // An untrained model predicts close to uniformly, i.e. about vocabSize = 512 (see the entropy bound below).
        assertTrue(trainedPerplexity < 10, "trained perplexity " + trainedPerplexity);
        assertTrue(emptyPerplexity > 400 && emptyPerplexity < 700, "empty perplexity " + emptyPerplexity);
        assertTrue(emptyPerplexity / trainedPerplexity > 50, "ratio " + emptyPerplexity / trainedPerplexity);

        // With normal(0, 0.02) weights the logits are sums of dim = 64 products of an RMS-normalised x with
        // N(0, 0.02²) weights: std ≈ 0.02·√64 = 0.16, and softmax of such logits has entropy ≈ ln V − σ²/2
        // ≈ ln 512 − 0.013. We allow 0.05 nats at every position.
        JsonNode positions = r.get("positions");
        assertEquals(r.get("tokens").size() - 1, positions.size());
        double trainedEntropySum = 0;
        for (JsonNode p : positions) {
            double emptyEntropy = p.get("empty").get("entropy").asDouble();
            assertTrue(maxEntropy - emptyEntropy < 0.05 && emptyEntropy <= maxEntropy + 1e-9,
                    "empty entropy " + emptyEntropy + " at " + p.get("position"));
            trainedEntropySum += p.get("trained").get("entropy").asDouble();
            assertEquals(5, p.get("trained").get("top").size());
            assertEquals(5, p.get("empty").get("top").size());
            assertTrue(p.get("kl_divergence").asDouble() >= 0);
            assertTrue(p.get("trained").get("next_token_prob").asDouble() <= 1);
        }
        assertEquals(trainedEntropySum / positions.size(), r.get("trained").get("mean_entropy").asDouble(), 1e-9);
        // the trained model is far more certain than uniform
        assertTrue(r.get("trained").get("mean_entropy").asDouble() < maxEntropy / 2);
        assertTrue(r.get("top1_agreement").asDouble() >= 0 && r.get("top1_agreement").asDouble() <= 1);
        // the chart is a real PNG
        byte[] header = Files.readAllBytes(png);
        assertTrue(header.length > 5000 && header[1] == 'P' && header[2] == 'N' && header[3] == 'G');
    }

    @Test
    void thePlotRefusesToReplaceAFileWithoutForce() throws Exception {
        Path png = Files.writeString(dir.resolve("chart.png"), "a chart of someone else's");
        CliRunner run = CliRunner.run("compare", "--plot", png.toString());
        assertEquals(2, run.exitCode());
        assertEquals(1, run.errLines(), run.err());
        assertTrue(run.err().contains(png + " exists: pass --force"), run.err());
        assertEquals("", run.out(), "nothing is computed");
        assertEquals("a chart of someone else's", Files.readString(png));
        CliRunner forced = CliRunner.run("compare", "--plot", png.toString(), "--force");
        assertEquals(0, forced.exitCode(), forced.err());
        assertEquals('P', Files.readAllBytes(png)[1]);
    }

    @Test
    void theEmptyModelIsSeeded() throws Exception {
        JsonNode a = JSON.readTree(CliRunner.run("compare", "--json", "--init-seed", "7").out());
        JsonNode b = JSON.readTree(CliRunner.run("compare", "--json", "--init-seed", "7").out());
        JsonNode c = JSON.readTree(CliRunner.run("compare", "--json", "--init-seed", "8").out());
        assertEquals(a.get("empty"), b.get("empty"));
        assertTrue(!a.get("empty").equals(c.get("empty")));
        assertEquals(a.get("trained"), c.get("trained"));
    }

    @Test
    void perplexityEqualsTheSumOfLogitsLogProbs() throws Exception {
        Path text = story();
        CliRunner run = CliRunner.run("perplexity", "--file", text.toString(), "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode result = JSON.readTree(run.out());
        double perplexity = result.get("perplexity").asDouble();
        int tokens = result.get("tokens").asInt();

        JsonNode logits = JSON.readTree(CliRunner.run("logits", "--prompt", Files.readString(text), "--top-k", "512",
                "--json").out());
        JsonNode ids = logits.get("tokens");
        assertEquals(tokens, ids.size());
        double nll = 0;
        for (int pos = 0; pos + 1 < ids.size(); pos++) {
            JsonNode position = logits.get("positions").get(pos);
            int next = ids.get(pos + 1).asInt();
            double logit = Double.NaN;
            for (JsonNode candidate : position.get("top")) {
                if (candidate.get("id").asInt() == next) {
                    logit = candidate.get("logit").asDouble();
                }
            }
            nll -= logit - position.get("logsumexp").asDouble();
        }
        assertEquals(Math.exp(nll / (ids.size() - 1)), perplexity, 1e-9 * perplexity);
        assertTrue(perplexity > 1 && perplexity < 30, "a TinyStories-like text: " + perplexity);
    }

    @Test
    void perplexityIsTheSameOnEveryBackendAndThreadCount() throws Exception {
        Path text = story();
        double reference = perplexity(text, "scalar", 1);
        for (String[] backend : new String[][] {{"java", "1"}, {"java", "2"}}) {
            double p = perplexity(text, backend[0], Integer.parseInt(backend[1]));
            assertEquals(reference, p, 1e-3 * reference, backend[0] + " " + backend[1]);
        }
    }

    @Test
    void slidingWindowsScoreEveryTokenOnce() throws Exception {
        Path text = story();
        JsonNode r = JSON.readTree(CliRunner.run("perplexity", "--file", text.toString(), "--context", "64",
                "--stride", "32", "--json").out());
        assertEquals(r.get("tokens").asInt() - 1, r.get("scored_tokens").asInt());
        assertTrue(r.get("windows").asInt() > 2);
    }

    @Test
    void generateEmptySpeaksGibberish() {
        CliRunner run = CliRunner.run("generate", "--empty", "--temperature", "0", "--steps", "30");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(!run.out().startsWith("Once upon a time"), run.out());
    }

    private static double perplexity(Path text, String backend, int threads) throws IOException {
        CliRunner run = CliRunner.run("perplexity", "--file", text.toString(), "--json", "--backend", backend,
                "--threads", Integer.toString(threads));
        assertEquals(0, run.exitCode(), run.err());
        return JSON.readTree(run.out()).get("perplexity").asDouble();
    }

    private Path story() throws IOException {
        try (InputStream in = AnalysisCommandsTest.class.getResourceAsStream("/tinystory.txt")) {
            return Files.write(dir.resolve("story.txt"), in.readAllBytes());
        }
    }
}
