package dev.forwardpass.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.decoder.LanguageModel;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A prompt run as one batch gives the logits of running it token by token. */
class LlamaPrefillTest {

    @ParameterizedTest(name = "{0} backend, {1} threads")
    @CsvSource({"java, 1", "java, 2", "scalar, 1"})
    void batchedPrefillMatchesTokenByToken(String backendName, int threads) throws IOException {
        // 300 tokens: more than one prefill chunk, and a second prefill continuing at a later position
        int[] tokens = new SplittableRandom(5).ints(300, 0, 512).toArray();
        tokens[0] = 1;
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(threads));
                LanguageModel model = ModelLoader.loadModel(null, backend);
                LanguageModel.Session sequential = model.newSession();
                LanguageModel.Session batched = model.newSession()) {
            float[][] expected = new float[tokens.length][];
            for (int pos = 0; pos < tokens.length; pos++) {
                expected[pos] = sequential.forward(tokens[pos], pos).clone();
            }
            float[][] actual = new float[tokens.length][];
            batched.prefill(java.util.Arrays.copyOf(tokens, 200), 0, (i, logits) -> actual[i] = logits.clone());
            batched.prefill(java.util.Arrays.copyOfRange(tokens, 200, 300), 200,
                    (i, logits) -> actual[200 + i] = logits.clone());
            double worst = 0;
            for (int pos = 0; pos < tokens.length; pos++) {
                for (int v = 0; v < 512; v++) {
                    // logits are O(10): float32 sums in another order differ in the last bits
                    worst = Math.max(worst, Math.abs(expected[pos][v] - actual[pos][v]));
                }
            }
            assertTrue(worst < 1e-4, "worst absolute difference " + worst);
            // and decoding continues from a prefilled cache exactly as from a sequential one
            float[] afterPrefill = batched.forward(7, 300).clone();
            float[] afterSequential = sequential.forward(7, 300);
            for (int v = 0; v < 512; v++) {
                assertEquals(afterSequential[v], afterPrefill[v], 1e-4f);
            }
        }
    }

    @ParameterizedTest(name = "{0} backend, {1} threads")
    @CsvSource({"java, 1", "java, 2", "scalar, 1"})
    void aPromptRunForItsNextTokenGivesTheLastOfAllLogits(String backendName, int threads) throws IOException {
        // 300 tokens: two chunks that skip the classifier, then one that runs it for its last row
        int[] tokens = new SplittableRandom(6).ints(300, 0, 512).toArray();
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(threads));
                LanguageModel model = ModelLoader.loadModel(null, backend);
                LanguageModel.Session every = model.newSession();
                LanguageModel.Session last = model.newSession()) {
            float[][] all = new float[tokens.length][];
            every.prefill(tokens, 0, (i, logits) -> all[i] = logits.clone());
            // the same logits, to float rounding: the classifier of a single row sums in another order than a batch's
            float[] lastOnly = last.prefill(tokens, 0);
            for (int v = 0; v < 512; v++) {
                assertEquals(all[tokens.length - 1][v], lastOnly[v], 1e-4f);
            }
            // the caches are the same too: a further prompt and decoding continue alike
            int[] more = {5, 17, 301};
            assertArrayEquals(every.prefill(more, 300).clone(), last.prefill(more, 300));
            assertArrayEquals(every.forward(7, 303), last.forward(7, 303));
        }
    }
}
