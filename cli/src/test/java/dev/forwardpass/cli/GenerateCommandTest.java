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
    void badSettingsAreUsageErrors() {
        CliRunner negative = CliRunner.run("generate", "--temperature", "-1");
        assertEquals(2, negative.exitCode());
        assertEquals(1, negative.errLines(), negative.err());
        CliRunner topP = CliRunner.run("generate", "--top-p", "2", "--seed", "1");
        assertEquals(2, topP.exitCode());
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
