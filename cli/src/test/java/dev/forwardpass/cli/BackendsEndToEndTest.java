package dev.forwardpass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forwardpass.models.TestFiles;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conformance suite's end-to-end half: the embedded stories260K model gives llama2.c's outputs on every backend
 * and thread count, and every backend's logits agree with the pure-Java backend's.
 */
class BackendsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A 64-token prompt (BOS included) from the embedded tokenizer. */
    static final String PROMPT_64 = "Once upon a time, there was a little dog named Max. Max liked to run in the "
            + "big green park with his red ball and his best friend Sam. One day, Sam threw the ball very far!!";

    @ParameterizedTest(name = "{0} backend, {1} threads")
    @CsvSource({"djl, 1", "djl, 2", "scalar, 1", "java, 2"})
    void greedyAndSampledStoriesAreLlama2cs(String backend, String threads) {
        CliRunner greedy = CliRunner.run("generate", "--backend", backend, "--threads", threads, "-t", "0", "-n", "200");
        assertEquals(0, greedy.exitCode(), greedy.err());
        assertEquals(GenerateCommandTest.GREEDY_200 + "\n", greedy.out());
        CliRunner sampled = CliRunner.run("generate", "--backend", backend, "--threads", threads, "-t", "1.0", "-p", "0.9",
                "-s", "133742");
        assertEquals(GenerateCommandTest.SAMPLED_SEED_133742 + "\n", sampled.out());
    }

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"djl", "scalar", "java"})
    void stories260KGgufTellsLlama2csStories(String backend) {
        String gguf = TestFiles.shared("models/stories260K/stories260K.gguf").toString();
        CliRunner greedy = CliRunner.run("generate", "--model", gguf, "--backend", backend, "-t", "0", "-n", "200");
        assertEquals(0, greedy.exitCode(), greedy.err());
        assertEquals(GenerateCommandTest.GREEDY_200 + "\n", greedy.out());
        CliRunner sampled = CliRunner.run("generate", "--model", gguf, "--backend", backend, "-t", "1.0", "-p", "0.9",
                "-s", "133742");
        assertEquals(GenerateCommandTest.SAMPLED_SEED_133742 + "\n", sampled.out());
    }

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"djl", "scalar"})
    void logitsAgreeWithTheJavaBackendTo1e4(String backend) throws Exception {
        JsonNode reference = logits("java");
        JsonNode other = logits(backend);
        assertEquals(64, reference.get("tokens").size(), "the prompt is 64 tokens");
        assertEquals(reference.get("tokens"), other.get("tokens"));
        double worst = 0;
        for (int pos = 0; pos < 64; pos++) {
            JsonNode a = reference.get("positions").get(pos);
            JsonNode b = other.get("positions").get(pos);
            double[] normalisedA = normalised(a);
            double[] normalisedB = normalised(b);
            for (int id = 0; id < 512; id++) {
                worst = Math.max(worst, Math.abs(normalisedA[id] - normalisedB[id]));
            }
        }
        assertTrue(worst <= 1e-4, "worst |Δ(logit − logsumexp)| = " + worst);
    }

    /** {@return every logit minus the position's log-sum-exp (a log-probability), by token id} */
    private static double[] normalised(JsonNode position) {
        double[] byId = new double[512];
        double lse = position.get("logsumexp").asDouble();
        for (JsonNode candidate : position.get("top")) {
            byId[candidate.get("id").asInt()] = candidate.get("logit").asDouble() - lse;
        }
        return byId;
    }

    private static JsonNode logits(String backend) throws Exception {
        CliRunner run = CliRunner.run("logits", "--backend", backend, "--prompt", PROMPT_64, "--top-k", "512", "--json");
        assertEquals(0, run.exitCode(), run.err());
        return JSON.readTree(run.out());
    }
}
