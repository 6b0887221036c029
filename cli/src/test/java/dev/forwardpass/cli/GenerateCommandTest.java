package dev.forwardpass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.KnownOutputs;
import org.junit.jupiter.api.Test;

/** The acceptance runs of {@code generate} on the embedded model, through the command line. */
class GenerateCommandTest {
    static final String GREEDY_200 = KnownOutputs.GREEDY_200;
    static final String SAMPLED_SEED_133742 = KnownOutputs.SAMPLED_SEED_133742;

    @Test
    void greedyWithNoModelArgumentsPrintsTheKnownStory() {
        CliRunner run = CliRunner.run("generate", "--temperature", "0", "--steps", "200");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(GREEDY_200 + "\n", run.out());
        assertTrue(run.err().contains("achieved tok/s"), run.err());
    }

    @Test
    void seededTopPPrintsLlama2cDocumentedSample() {
        CliRunner run = CliRunner.run("generate", "--temperature", "1.0", "--top-p", "0.9", "--seed", "133742",
                "--steps", "256");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(SAMPLED_SEED_133742 + "\n", run.out());
    }

    @Test
    void runCsShortFlagsWorkToo() {
        CliRunner run = CliRunner.run("generate", "-t", "0", "-n", "200", "--threads", "1");
        assertEquals(GREEDY_200 + "\n", run.out());
    }

    @Test
    void stepsCountThePromptAndBos() {
        // 8 positions: BOS, then the prompt's tokens are printed as they are forced, then sampled tokens
        CliRunner run = CliRunner.run("generate", "--prompt", "Once upon a time", "--temperature", "0", "--steps", "8");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(GREEDY_200.startsWith(run.out().strip()), run.out());
        assertTrue(run.out().startsWith("Once upon a time"), run.out());
    }

    @Test
    void llamaCppSamplersJoinRunCsOrder() {
        // top-k 1 keeps the likeliest token alone: greedy, whatever the temperature and seed
        CliRunner topK = CliRunner.run("generate", "-t", "1.5", "-s", "9", "--top-k", "1", "-n", "200");
        assertEquals(0, topK.exitCode(), topK.err());
        assertEquals(GREEDY_200 + "\n", topK.out());
        // banning the first token of " Lily" (tokenize gives its id after BOS) changes the greedy story there
        CliRunner ids = CliRunner.run("tokenize", "--text", "Lily", "--json");
        String lily = ids.out().replaceAll("(?s).*\\[1,(\\d+).*", "$1");
        CliRunner banned = CliRunner.run("generate", "-t", "0", "-n", "60", "--logit-bias", lily + "=-inf");
        assertEquals(0, banned.exitCode(), banned.err());
        assertTrue(GREEDY_200.startsWith("Once upon a time, there was a little girl named Lily"));
        assertTrue(banned.out().startsWith("Once upon a time, there was a little girl named"), banned.out());
        assertTrue(!banned.out().startsWith("Once upon a time, there was a little girl named Lily"), banned.out());
    }

    @Test
    void stopStringsAndTheTokenBudgetEndTheText() {
        CliRunner stop = CliRunner.run("generate", "-t", "0", "--stop", "park", "--stop", "Lily");
        assertEquals(0, stop.exitCode(), stop.err());
        assertEquals(GREEDY_200.substring(0, GREEDY_200.indexOf("Lily")) + "\n", stop.out());
        CliRunner budget = CliRunner.run("generate", "-t", "0", "--max-tokens", "5");
        assertEquals(0, budget.exitCode(), budget.err());
        assertTrue(GREEDY_200.startsWith(budget.out().strip()), budget.out());
        assertTrue(budget.out().strip().split(" ").length <= 5, budget.out());
    }

    @Test
    void badSettingsAreUsageErrors() {
        CliRunner negative = CliRunner.run("generate", "--temperature", "-1");
        assertEquals(2, negative.exitCode());
        assertEquals(1, negative.errLines(), negative.err());
        CliRunner topP = CliRunner.run("generate", "--top-p", "2", "--seed", "1");
        assertEquals(2, topP.exitCode());
        CliRunner minP = CliRunner.run("generate", "--min-p", "NaN");
        assertEquals(2, minP.exitCode());
        assertTrue(minP.err().contains("min_p"), minP.err());
        CliRunner bias = CliRunner.run("generate", "--logit-bias", "5");
        assertEquals(2, bias.exitCode());
        assertTrue(bias.err().contains("--logit-bias takes ID=BIAS"), bias.err());
        CliRunner outside = CliRunner.run("generate", "--logit-bias", "9999=1");
        assertEquals(2, outside.exitCode());
        assertTrue(outside.err().contains("9999"), outside.err());
        CliRunner steps = CliRunner.run("generate", "--steps", "-3");
        assertEquals(2, steps.exitCode());
        assertTrue(steps.err().contains("steps"), steps.err());
    }

    @Test
    void aPromptLongerThanTheContextIsRejected() {
        CliRunner run = CliRunner.run("generate", "--prompt", "word ".repeat(600), "--temperature", "0");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("longer than the model's context of 512"), run.err());
        assertEquals(1, run.errLines(), run.err());
    }

    @Test
    void anUnknownBackendListsTheAvailableOnes() {
        CliRunner run = CliRunner.run("generate", "--backend", "cuda");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("unknown backend 'cuda' (available: "), run.err());
        assertTrue(run.err().contains("java"), run.err());
    }
}
