package dev.forwardpass.models.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.analysis.Distribution;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.sampling.SamplingParams;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Log-probabilities of generated tokens, on the embedded stories260K model. */
class LogprobsTest {
    private static final GenerationParams GREEDY = GenerationParams.defaults().withSampling(SamplingParams.greedy());
    private static TextModel model;

    @BeforeAll
    static void load() throws IOException {
        model = TextModel.load(TextModel.Options.defaults().withThreads(1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void eachGeneratedTokenHasTheModelsLogSoftmaxAndItsTopAlternatives() {
        List<String> texts = new ArrayList<>();
        List<TokenLogprobs> steps = new ArrayList<>();
        int[] prompt = model.encodePrompt("Once upon a time");
        Completion completion = model.newGeneration(prompt, GREEDY.withMaxTokens(20).withLogprobs(5))
                .run((text, logprobs) -> {
                    texts.add(text);
                    steps.add(logprobs);
                });
        assertEquals(completion.text(), String.join("", texts));
        assertEquals(20, steps.size());
        // replay the sequence in a session of its own: each position's log-softmax is what the step reported
        try (LanguageModel.Session session = model.model().newSession()) {
            float[] logits = session.prefill(prompt, 0);
            int position = prompt.length;
            for (TokenLogprobs step : steps) {
                Distribution expected = Distribution.ofLogits(logits);
                assertEquals(5, step.top().size());
                // greedy: the sampled token is the likeliest one
                assertEquals(expected.argmax(), step.sampled().token());
                assertEquals(step.top().getFirst(), step.sampled());
                assertEquals(expected.logProb(step.sampled().token()), step.sampled().logprob(), 1e-9);
                assertArrayEquals(expected.top(5), step.top().stream().mapToInt(TokenLogprob::token).toArray());
                double total = step.top().stream().mapToDouble(t -> Math.exp(t.logprob())).sum();
                assertTrue(total <= 1 + 1e-9, "the top 5 hold at most all the probability, found " + total);
                logits = session.forward(step.sampled().token(), position++);
            }
        }
    }

    @Test
    void zeroAlternativesReportsTheSampledTokenAlone() {
        List<TokenLogprobs> steps = new ArrayList<>();
        Completion completion = model.newCompletion("Once", GREEDY.withMaxTokens(5).withLogprobs(0))
                .run((text, logprobs) -> steps.add(logprobs));
        assertEquals(5, steps.size());
        StringBuilder tokenTexts = new StringBuilder();
        for (TokenLogprobs step : steps) {
            assertTrue(step.top().isEmpty());
            assertTrue(step.sampled().logprob() <= 0);
            tokenTexts.append(step.sampled().text());
        }
        assertEquals(completion.text(), tokenTexts.toString(), "the story is ASCII: the tokens' bytes spell it");
    }

    @Test
    void withoutLogprobsTheStepsCarryNone() {
        List<TokenLogprobs> steps = new ArrayList<>();
        model.newCompletion("Once", GREEDY.withMaxTokens(5)).run((text, logprobs) -> steps.add(logprobs));
        assertTrue(steps.stream().allMatch(logprobs -> logprobs == null), "no logprobs asked, none given");
    }

    @Test
    void aPromptLongerThanTheContextNamesBothLengths() {
        PromptTooLongException e = assertThrows(PromptTooLongException.class,
                () -> model.newCompletion("Once upon a time ".repeat(200), GREEDY));
        assertEquals(model.contextLength(), e.contextLength());
        assertTrue(e.promptTokens() > e.contextLength());
    }

    @Test
    void negativeLogprobsOtherThanNoneAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> GREEDY.withLogprobs(-2));
    }
}
