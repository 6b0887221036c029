package dev.forwardpass.models.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.sampling.SamplingParams;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Continuous batching on the embedded model: each generation's text is the one it makes alone. */
class GenerationBatchTest {
    private static final String[] PROMPTS = {
        "Once upon a time", "The little dog", "Lily and Tom went to", "One day, a big bird",
        "Sam had a red ball", "The sun was hot and", "Mom said to Ben", "There was a tiny cat",
    };

    /** Collects what the batch says of one generation. */
    private static class Outcome implements GenerationBatch.Listener {
        final StringBuilder text = new StringBuilder();
        final CompletableFuture<Completion> completion = new CompletableFuture<>();
        final CountDownLatch firstPiece = new CountDownLatch(1);

        @Override
        public void accept(String piece, TokenLogprobs logprobs) {
            text.append(piece);
            firstPiece.countDown();
        }

        @Override
        public void finished(Completion result) {
            completion.complete(result);
        }

        @Override
        public void failed(RuntimeException error) {
            completion.completeExceptionally(error);
        }

        Completion await() throws Exception {
            return completion.get(60, TimeUnit.SECONDS);
        }
    }

    private static GenerationParams params(int i, SamplingParams sampling) {
        return GenerationParams.defaults().withMaxTokens(20 + 7 * i).withSampling(sampling);
    }

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"java", "scalar", "djl"})
    void batchedGenerationsMakeTheTextsTheyMakeAlone(String backend) throws Exception {
        try (TextModel model = TextModel.load(TextModel.Options.defaults().withBackend(backend).withThreads(2))) {
            List<Completion> alone = new ArrayList<>();
            for (int i = 0; i < PROMPTS.length; i++) {
                alone.add(model.complete(PROMPTS[i], params(i, sampling(i))));
            }
            List<Outcome> outcomes = new ArrayList<>();
            try (GenerationBatch batch = new GenerationBatch(model)) {
                for (int i = 0; i < PROMPTS.length; i++) {
                    Outcome outcome = new Outcome();
                    outcomes.add(outcome);
                    batch.add(model.newCompletion(PROMPTS[i], params(i, sampling(i))), outcome);
                    if (i % 3 == 0) {
                        outcome.firstPiece.await(60, TimeUnit.SECONDS); // later ones join a running batch
                    }
                }
                for (int i = 0; i < PROMPTS.length; i++) {
                    Completion batched = outcomes.get(i).await();
                    assertEquals(alone.get(i).text(), batched.text(), "prompt " + i);
                    assertEquals(alone.get(i).text(), outcomes.get(i).text.toString(), "prompt " + i);
                    assertEquals(alone.get(i).finishReason(), batched.finishReason());
                    assertEquals(alone.get(i).completionTokens(), batched.completionTokens());
                }
            }
        }
    }

    /** Greedy for even prompts, seeded sampling for odd ones. */
    private static SamplingParams sampling(int i) {
        return i % 2 == 0 ? SamplingParams.greedy() : SamplingParams.defaults().withSeed(100 + i);
    }

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"java", "scalar", "djl"})
    void aLongPromptRunsAChunkBetweenTheStepsOfTheOthersAndMakesItsTextAlone(String backend) throws Exception {
        try (TextModel model = TextModel.load(TextModel.Options.defaults().withBackend(backend).withThreads(2))) {
            StringBuilder story = new StringBuilder("Once upon a time");
            while (model.tokenizer().encode(story.toString()).length <= 3 * LanguageModel.PREFILL_CHUNK) {
                story.append(", there was a little girl named Lily who liked to play in the park with her dog");
            }
            String longPrompt = story.toString();
            int chunks = Math.ceilDiv(model.tokenizer().encode(longPrompt).length, LanguageModel.PREFILL_CHUNK);
            GenerationParams longParams = GenerationParams.defaults().withMaxTokens(12)
                    .withSampling(SamplingParams.greedy());
            Completion alone = model.complete(longPrompt, longParams);
            try (GenerationBatch batch = new GenerationBatch(model)) {
                // a running generation that reports every token (its log-probabilities come with each)
                AtomicInteger runnersTokens = new AtomicInteger();
                Outcome runner = new Outcome() {
                    @Override
                    public void accept(String piece, TokenLogprobs logprobs) {
                        runnersTokens.incrementAndGet();
                        super.accept(piece, logprobs);
                    }
                };
                batch.add(model.newCompletion(PROMPTS[0], GenerationParams.defaults().withMaxTokens(10_000)
                        .withLogprobs(0).withSampling(SamplingParams.greedy())), runner);
                runner.firstPiece.await(60, TimeUnit.SECONDS);
                int tokensBefore = runnersTokens.get();
                AtomicInteger tokensAtFirstPiece = new AtomicInteger(-1);
                Outcome newcomer = new Outcome() {
                    @Override
                    public void accept(String piece, TokenLogprobs logprobs) {
                        tokensAtFirstPiece.compareAndSet(-1, runnersTokens.get());
                        super.accept(piece, logprobs);
                    }
                };
                batch.add(model.newCompletion(longPrompt, longParams), newcomer);
                Completion batched = newcomer.await();
                assertEquals(alone.text(), batched.text());
                assertEquals(alone.completionTokens(), batched.completionTokens());
                // one decode step of the runner after each chunk but the last (the whole prompt at once: at most the
                // one step that was running when the newcomer came)
                int runnersSteps = tokensAtFirstPiece.get() - tokensBefore;
                assertTrue(runnersSteps >= chunks - 1, "the runner made " + runnersSteps + " tokens while the "
                        + chunks + " chunks of the newcomer's prompt ran");
            }
        }
    }

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"java"})
    void aCancelledGenerationLeavesAndTheOthersGoOn(String backend) throws Exception {
        try (TextModel model = TextModel.load(TextModel.Options.defaults().withBackend(backend).withThreads(1))) {
            Completion alone = model.complete(PROMPTS[1], params(1, SamplingParams.greedy()));
            try (GenerationBatch batch = new GenerationBatch(model)) {
                Outcome endless = new Outcome();
                Generation cancelled = model.newCompletion(PROMPTS[0],
                        GenerationParams.defaults().withMaxTokens(10_000).withSampling(SamplingParams.greedy()));
                batch.add(cancelled, endless);
                Outcome other = new Outcome();
                batch.add(model.newCompletion(PROMPTS[1], params(1, SamplingParams.greedy())), other);
                endless.firstPiece.await(60, TimeUnit.SECONDS);
                cancelled.cancel();
                assertEquals(FinishReason.CANCELLED, endless.await().finishReason());
                assertEquals(alone.text(), other.await().text());
                // a generation cancelled before it joins ends without running
                Generation never = model.newCompletion(PROMPTS[2], params(2, SamplingParams.greedy()));
                never.cancel();
                Outcome neverRan = new Outcome();
                batch.add(never, neverRan);
                Completion none = neverRan.await();
                assertEquals(FinishReason.CANCELLED, none.finishReason());
                assertEquals(0, none.completionTokens());
            }
        }
    }

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"java"})
    void closingTheBatchCancelsWhatRuns(String backend) throws Exception {
        try (TextModel model = TextModel.load(TextModel.Options.defaults().withBackend(backend).withThreads(1))) {
            GenerationBatch batch = new GenerationBatch(model);
            Outcome endless = new Outcome();
            batch.add(model.newCompletion(PROMPTS[0],
                    GenerationParams.defaults().withMaxTokens(10_000).withSampling(SamplingParams.greedy())), endless);
            endless.firstPiece.await(60, TimeUnit.SECONDS);
            batch.close();
            assertEquals(FinishReason.CANCELLED, endless.await().finishReason());
            IllegalStateException closed = assertThrows(IllegalStateException.class,
                    () -> batch.add(model.newCompletion("Once", GenerationParams.defaults()), new Outcome()));
            assertEquals("the batch is closed", closed.getMessage());
            assertTrue(endless.text.length() > 0);
        }
    }
}
