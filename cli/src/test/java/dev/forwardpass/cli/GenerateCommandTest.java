package dev.forwardpass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The acceptance runs of {@code generate} on the embedded model, through the command line. */
class GenerateCommandTest {
    static final String GREEDY_200 = """
            Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.
            Lily's mom said, "Lily, let's go to the park." Lily was sad and didn't know what to do. She said, "I want to play with your ball, but I can't find it."
            Lily was sad and didn't know what to do. She said, "I'm sorry, Lily. I didn't know what to do."
            Lily didn't want to help her mom, so she""";

    static final String SAMPLED_SEED_133742 = """
            Once upon a time, there was a little boy named Timmy. Timmy loved to play with his toys and eat sandwiches. One day, Timmy's mom told him it was time to rest for a while. Timmy's friend Billy came over and took him a down.
            Timmy's mom saw that Timmy was sad, but Timmy said, "I didn't understand what is it! We need to find some leafs." Timmy thought about it and took a deep breath on a spoon. He hoped it was important to be kind and continued to find its image next time.
            After they finished getting, Timmy's dad came up to his house and promised to help Timmy.""";

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
