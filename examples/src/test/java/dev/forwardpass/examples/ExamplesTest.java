package dev.forwardpass.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.KnownOutputs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs the examples' main methods as a user would, and reads what they print. */
class ExamplesTest {

    /** The embedded model's greedy story, from the prompt through the 40 characters its continuation is known by. */
    private static final String KNOWN_START = KnownOutputs.GREEDY_200.substring(0, "Once upon a time".length() + 40);

    @FunctionalInterface
    private interface Program {
        void run() throws Exception;
    }

    /** {@return what {@code program} printed to standard output} */
    private static String stdout(Program program) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            program.run();
        } finally {
            System.setOut(original);
        }
        return printed.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "djl"})
    void storyTellsTheGreedyStory(String backend) throws Exception {
        System.setProperty("story.greedy", "true");
        System.setProperty("story.maxTokens", "60");
        try {
            String story = stdout(() -> Story.main(new String[] {backend}));
            assertTrue(story.startsWith(KNOWN_START), story);
            assertTrue(story.endsWith("\n"), story);
        } finally {
            System.clearProperty("story.greedy");
            System.clearProperty("story.maxTokens");
        }
    }
}
