package dev.forwardpass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class LogitsCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonHasTheDocumentedShapeAndTheGreedyNextToken() throws Exception {
        CliRunner run = CliRunner.run("logits", "--prompt", "Once upon a time", "--top-k", "3", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode root = JSON.readTree(run.out());
        JsonNode tokens = root.get("tokens");
        JsonNode positions = root.get("positions");
        assertEquals(1, tokens.get(0).asInt(), "BOS first");
        assertEquals(tokens.size(), positions.size());
        for (int i = 0; i < positions.size(); i++) {
            JsonNode p = positions.get(i);
            assertEquals(i, p.get("position").asInt());
            assertEquals(tokens.get(i).asInt(), p.get("token").asInt());
            assertTrue(p.get("logsumexp").isNumber());
            JsonNode top = p.get("top");
            assertEquals(3, top.size());
            double previous = Double.POSITIVE_INFINITY;
            for (JsonNode candidate : top) {
                double logit = candidate.get("logit").asDouble();
                assertTrue(logit <= previous, "descending logits");
                previous = logit;
                // prob is exp(logit - logsumexp)
                assertEquals(Math.exp(logit - p.get("logsumexp").asDouble()), candidate.get("prob").asDouble(), 1e-9);
                assertTrue(candidate.get("id").isInt());
            }
        }
        // the greedy story continues "Once upon a time" with ","
        int next = positions.get(positions.size() - 1).get("top").get(0).get("id").asInt();
        CliRunner tokenized = CliRunner.run("tokenize", "--text", "Once upon a time,", "--json");
        JsonNode ids = JSON.readTree(tokenized.out()).get("ids");
        assertEquals(tokens.size() + 1, ids.size());
        assertEquals(ids.get(ids.size() - 1).asInt(), next);
        // as many positions as the prompt has tokens print the prompt after BOS, then the one greedy token
        CliRunner greedy = CliRunner.run("generate", "--temperature", "0", "--steps", Integer.toString(tokens.size()));
        assertEquals("Once upon a time,\n", greedy.out());
    }

    @Test
    void tokenIdsAreUsedAsGiven() throws Exception {
        CliRunner run = CliRunner.run("logits", "--token-ids", "403,407", "--top-k", "2", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode root = JSON.readTree(run.out());
        assertEquals("[403,407]", root.get("tokens").toString());
    }

    @Test
    void humanReadableTableHasOneLinePerPosition() {
        CliRunner run = CliRunner.run("logits", "--prompt", "Once upon", "--top-k", "2");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().lines().count() >= 3, run.out());
        assertTrue(run.out().contains("logsumexp"), run.out());
    }

    @Test
    void outOfVocabularyIdsAreUsageErrors() {
        CliRunner run = CliRunner.run("logits", "--token-ids", "1,99999");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("99999"), run.err());
    }
}
