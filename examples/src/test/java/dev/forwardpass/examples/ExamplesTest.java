package dev.forwardpass.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.KnownOutputs;
import dev.forwardpass.models.chat.ChatMessage;
import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.text.GenerationParams;
import dev.forwardpass.models.text.TextModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
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

    @Test
    void chatExampleAnswersAsTheTextModelDoes() throws Exception {
        Path template = Path.of(ExamplesTest.class.getResource("/role-colon.jinja").toURI());
        String answer = stdout(() -> ChatExample.main(new String[] {template.toString()}));
        try (TextModel model = TextModel.load(TextModel.Options.defaults().withChatTemplate(template))) {
            String expected = model.chat(List.of(ChatMessage.user(ChatExample.QUESTION)),
                    GenerationParams.defaults().withMaxTokens(100).withSampling(SamplingParams.greedy())).text();
            assertTrue(expected.length() > 20, expected);
            assertEquals(expected + System.lineSeparator(), answer);
        }
    }
}
