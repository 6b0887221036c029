package dev.forwardpass.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.sampling.Sampler;
import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.text.GenerationParams;
import dev.forwardpass.models.text.TextModel;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One loaded model serves many sessions on many threads at once, on every backend: each session's stories and logits
 * are exactly those it gives alone.
 */
class ConcurrentSessionsTest {
    private static final int SESSIONS = 8;
    /** Tokens per generation: enough for every session to decode while the others do. */
    private static final GenerationParams GREEDY = GenerationParams.defaults().withMaxTokens(32)
            .withSampling(SamplingParams.greedy());
    private static final long TIMEOUT_SECONDS = 60;
    private static final String[] PROMPTS = {
        "Once upon a time", "The little dog", "Lily and Tom went to", "One day, a big bird",
        "Sam had a red ball", "The sun was hot and", "Mom said to Ben", "There was a tiny cat",
    };

    @ParameterizedTest(name = "{0} backend, {1} threads")
    @CsvSource({"java, 1", "java, 2", "scalar, 1", "scalar, 2", "djl, 1", "djl, 2"})
    void concurrentGenerationsTellTheStoriesEachTellsAlone(String backendName, int threads) throws Exception {
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(threads));
                LanguageModel model = ModelLoader.loadModel(null, backend)) {
            TextModel text = TextModel.of(model, ModelLoader.loadTokenizer(null, null, model));
            List<String> alone = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                alone.add(story(text, i, GREEDY, null) + " | " + story(text, i, sampled(i), null));
            }

            // every generation waits, after its first piece, until all have one: they overlap
            CountDownLatch started = new CountDownLatch(SESSIONS);
            List<String> together = inParallel(
                    i -> () -> story(text, i, GREEDY, started) + " | " + story(text, i, sampled(i), null));
            assertEquals(alone, together);
        }
    }

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"java", "scalar", "djl"})
    void concurrentPrefillAndDecodeGiveTheLogitsOfOneSessionAlone(String backendName) throws Exception {
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(2));
                LanguageModel model = ModelLoader.loadModel(null, backend)) {
            Tokenizer tokenizer = ModelLoader.loadTokenizer(null, null, model);
            List<float[][]> alone = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                alone.add(logits(model, tokenizer.encode(PROMPTS[i]), null));
            }
            CountDownLatch prefilled = new CountDownLatch(SESSIONS);
            List<float[][]> together = inParallel(i -> () -> logits(model, tokenizer.encode(PROMPTS[i]), prefilled));
            for (int i = 0; i < SESSIONS; i++) {
                assertEquals(alone.get(i).length, together.get(i).length);
                for (int row = 0; row < alone.get(i).length; row++) {
                    assertArrayEquals(alone.get(i)[row], together.get(i)[row], "session " + i + ", row " + row);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"java", "scalar", "djl"})
    void oneSessionUsedFromTwoThreadsAtOnceIsRefused(String backendName) throws Exception {
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(1));
                LanguageModel model = ModelLoader.loadModel(null, backend);
                LanguageModel.Session session = model.newSession();
                ExecutorService other = Executors.newSingleThreadExecutor()) {
            List<Throwable> refused = new ArrayList<>();
            // the sink runs inside the prefill, so the session is in use while another thread calls it
            session.prefill(new int[] {1, 403, 407}, 0, (index, logits) -> {
                if (index == 0) {
                    Future<?> overlapping = other.submit(() -> session.forward(1, 3));
                    refused.add(assertThrows(Exception.class, () -> overlapping.get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
                            .getCause());
                }
            });
            assertEquals(1, refused.size());
            assertTrue(refused.getFirst() instanceof IllegalStateException, String.valueOf(refused.getFirst()));
            assertTrue(refused.getFirst().getMessage().contains("one thread at a time"), refused.getFirst().getMessage());
            // once the prefill has returned, the session serves any thread again
            float[] next = other.submit(() -> session.forward(1, 3).clone()).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertEquals(model.vocabSize(), next.length);
        }
    }

    /**
     * {@return the text the text API continues prompt {@code i} with}. After the first piece it counts {@code started}
     * down and waits for the other generations to reach theirs, unless {@code started} is null.
     */
    private static String story(TextModel text, int i, GenerationParams params, CountDownLatch started) {
        StringBuilder story = new StringBuilder();
        text.complete(PROMPTS[i], params, piece -> {
            if (story.isEmpty() && started != null) {
                started.countDown();
                awaitOthers(started);
            }
            story.append(piece);
        });
        return story.toString();
    }

    /** {@return top-p sampling seeded by the prompt's index} */
    private static GenerationParams sampled(int i) {
        return GREEDY.withSampling(SamplingParams.runC(1f, 0.9f, 1000 + i));
    }

    /**
     * {@return the logits after every token of {@code prompt} (one prefill), then after each of 16 greedy tokens
     * decoded one by one}, on a new session; between the two it counts {@code prefilled} down and waits for the
     * other sessions' prefills, unless {@code prefilled} is null.
     */
    private static float[][] logits(LanguageModel model, int[] prompt, CountDownLatch prefilled) {
        int decoded = 16;
        float[][] rows = new float[prompt.length + decoded][];
        try (LanguageModel.Session session = model.newSession()) {
            session.prefill(prompt, 0, (index, logits) -> rows[index] = logits.clone());
            if (prefilled != null) {
                prefilled.countDown();
                awaitOthers(prefilled);
            }
            int token = Sampler.argmax(rows[prompt.length - 1]);
            for (int pos = prompt.length; pos < rows.length; pos++) {
                rows[pos] = session.forward(token, pos).clone();
                token = Sampler.argmax(rows[pos]);
            }
        }
        return rows;
    }

    private static void awaitOthers(CountDownLatch latch) {
        try {
            assertTrue(latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the other sessions never got this far");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@return the results of {@code task(0..SESSIONS-1)}, each run on a thread of its own, all at once} */
    private static <T> List<T> inParallel(IntFunction<Callable<T>> task) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(SESSIONS)) {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                futures.add(pool.submit(task.apply(i)));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            }
            return results;
        }
    }
}
