package dev.forwardpass.models.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.decoder.LanguageModel.Session;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A session gets the KV cache of a closed one ({@link KvCachePool}) as if it were new: a step that attends to
 * positions the session never wrote sees zeros there, as in a new cache, and nothing of the closed session's prompt.
 */
class KvCachePoolTest {
    private static final int TOKEN = 42;
    private static final int POS = 7;

    @ParameterizedTest
    @ValueSource(strings = {"java", "scalar", "djl"})
    void aSessionSeesNothingOfTheClosedSessionWhoseCacheItGets(String backendName) throws IOException {
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(2));
                LanguageModel model = ModelLoader.loadModel(null, backend)) {
            float[] inNewCache;
            try (Session first = model.newSession()) {
                inNewCache = first.forward(TOKEN, POS).clone();
            }
            int[] prompt = new int[30];
            Arrays.setAll(prompt, i -> 1 + (i * 37) % (model.vocabSize() - 1));
            float[] afterPrompt;
            try (Session writer = model.newSession()) {
                writer.prefill(prompt, 0);
                afterPrompt = writer.forward(TOKEN, POS).clone();
            }
            // the writer's rows 0..POS-1 change the step: the check below could see them if they were left behind
            assertFalse(Arrays.equals(inNewCache, afterPrompt), "the prompt changes the step at " + POS);
            try (Session reader = model.newSession()) {
                assertArrayEquals(inNewCache, reader.forward(TOKEN, POS),
                        "a session with a kept cache, at position " + POS + " first");
            }
            // and in a batched step, with a second kept cache beside it
            try (Session a = model.newSession(); Session b = model.newSession()) {
                float[][] rows = new float[2][];
                model.decode(List.of(a, b), new int[] {TOKEN, TOKEN}, new int[] {POS, POS},
                        (row, logits) -> rows[row] = logits.clone());
                for (float[] row : rows) {
                    assertArrayEquals(inNewCache, row, 1e-5f, "a batched step on kept caches");
                }
            }
        }
    }
}
