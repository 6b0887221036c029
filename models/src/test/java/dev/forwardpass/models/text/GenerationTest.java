package dev.forwardpass.models.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.KnownOutputs;
import dev.forwardpass.models.analysis.Distribution;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.sampling.SamplingParams;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The text API on the embedded stories260K model, against llama2.c's own outputs. */
class GenerationTest {
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
    void greedyTextIsRunCsStoryWithoutThePrompt() {
        // run.c -t 0 -n 200 samples at each of its 200 steps, the first from BOS's logits
        Completion completion = model.complete("", GREEDY.withMaxTokens(200));
        assertEquals(KnownOutputs.GREEDY_200, completion.text());
        assertEquals(FinishReason.LENGTH, completion.finishReason());
        assertEquals(1, completion.promptTokens());
        assertEquals(200, completion.completionTokens());
        assertEquals(199, completion.decodeSteps());
    }

    @Test
    void seededSamplingIsRunCsSample() {
        Completion completion = model.complete("", GenerationParams.defaults().withMaxTokens(256)
                .withSampling(SamplingParams.runC(1.0f, 0.9f, 133742)));
        assertEquals(KnownOutputs.SAMPLED_SEED_133742, completion.text());
        assertEquals(FinishReason.LENGTH, completion.finishReason()); // run.c's 256 steps end it
    }

    @Test
    void streamedPiecesMakeTheText() {
        List<String> pieces = new ArrayList<>();
        Completion completion = model.complete("Once upon a time", GREEDY.withMaxTokens(60), pieces::add);
        assertEquals(completion.text(), String.join("", pieces));
        assertTrue(pieces.size() > 10, "one piece a token or so, found " + pieces.size());
        // the prompt is not repeated: the greedy story goes on after it
        assertTrue(KnownOutputs.GREEDY_200.startsWith("Once upon a time" + completion.text().substring(0, 40)),
                completion.text());
    }

    @Test
    void theTextEndsBeforeAStopString() {
        Completion completion = model.complete("", GREEDY.withStop("named", "ball"));
        String story = KnownOutputs.GREEDY_200;
        assertEquals(story.substring(0, story.indexOf("named")), completion.text());
        assertEquals(FinishReason.STOP, completion.finishReason());
    }

    @Test
    void theBudgetEndsAGeneration() {
        Completion completion = model.complete("Once", GREEDY.withMaxTokens(7));
        assertEquals(7, completion.completionTokens());
        assertEquals(FinishReason.LENGTH, completion.finishReason());
    }

    @Test
    void theContextEndsAGeneration() {
        int context = model.contextLength();
        int[] prompt = new int[context - 2];
        Arrays.fill(prompt, 1, prompt.length, 261); // BOS, then one token over and over
        prompt[0] = 1;
        // positions context-2 and context-1 are left: the prompt's last logits and two more tokens give 3 samples
        Completion completion = model.newGeneration(prompt, GREEDY.withMaxTokens(100)).run(piece -> {});
        assertTrue(completion.completionTokens() <= 3, "sampled " + completion.completionTokens());
        if (completion.finishReason() == FinishReason.LENGTH) {
            assertEquals(3, completion.completionTokens());
        }
    }

    @Test
    void anotherThreadCancels() throws Exception {
        Generation generation = model.newCompletion("Once upon a time", GREEDY.withMaxTokens(10_000));
        CountDownLatch firstPiece = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        CompletableFuture<Void> canceller = CompletableFuture.runAsync(() -> {
            try {
                firstPiece.await();
                generation.cancel();
                cancelled.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Completion completion = generation.run(piece -> {
            firstPiece.countDown();
            try {
                cancelled.await(); // the next step sees the cancellation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        canceller.get();
        assertEquals(FinishReason.CANCELLED, completion.finishReason());
        assertTrue(completion.completionTokens() <= 2, "sampled " + completion.completionTokens());
    }

    @Test
    void closingAStreamEndsTheGeneration() {
        Generation generation = model.newCompletion("", GREEDY.withMaxTokens(200));
        List<String> first;
        try (Stream<String> pieces = generation.stream()) {
            first = pieces.limit(5).toList();
        }
        assertEquals(5, first.size());
        assertTrue(KnownOutputs.GREEDY_200.startsWith(String.join("", first)));
        assertEquals(FinishReason.CANCELLED, generation.completion().finishReason());
    }

    @Test
    void aStreamPulledToTheEndIsTheText() {
        Generation generation = model.newCompletion("", GREEDY.withMaxTokens(200));
        try (Stream<String> pieces = generation.stream()) {
            assertEquals(KnownOutputs.GREEDY_200, String.join("", pieces.toList()));
        }
        assertEquals(FinishReason.LENGTH, generation.completion().finishReason());
    }

    @Test
    void tokensComeWithTheOneBeforeThem() {
        List<int[]> pairs = new ArrayList<>();
        Completion completion = model.newCompletion("", GREEDY.withMaxTokens(20))
                .runTokens((previous, token) -> pairs.add(new int[] {previous, token}));
        assertEquals(20, pairs.size());
        assertEquals(1, pairs.getFirst()[0]); // BOS, the prompt
        for (int i = 1; i < pairs.size(); i++) {
            assertEquals(pairs.get(i - 1)[1], pairs.get(i)[0]);
        }
        assertEquals(20, completion.completionTokens());
    }

    @Test
    void badRequestsAreRefusedBeforeAnythingRuns() {
        String tooLong = "Once upon a time ".repeat(400);
        IllegalArgumentException longPrompt = assertThrows(IllegalArgumentException.class,
                () -> model.newCompletion(tooLong, GREEDY));
        assertTrue(longPrompt.getMessage().contains("longer than the model's context of 512"), longPrompt.getMessage());
        IllegalArgumentException budget = assertThrows(IllegalArgumentException.class, () -> GREEDY.withMaxTokens(0));
        assertEquals("max_tokens must be >= 1, found 0", budget.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GREEDY.withStop(""));
        IllegalArgumentException token = assertThrows(IllegalArgumentException.class,
                () -> model.newGeneration(new int[] {1, 512}, GREEDY));
        assertEquals("prompt token 512 is outside the vocabulary of 512", token.getMessage());
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
