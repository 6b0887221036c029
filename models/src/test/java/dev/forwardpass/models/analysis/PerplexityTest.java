package dev.forwardpass.models.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.decoder.LanguageModel;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** One session the caller keeps scores text after text exactly as a fresh session per text does. */
class PerplexityTest {

    @Test
    void aReusedSessionScoresAsAFreshOne() throws IOException {
        SplittableRandom random = new SplittableRandom(3);
        // a long text over several overlapping windows, then a short one that reuses only the cache's first positions
        int[][] texts = {random.ints(300, 1, 512).toArray(), random.ints(20, 1, 512).toArray()};
        try (Backend backend = Backends.get("java", BackendOptions.withThreads(1));
                LanguageModel model = ModelLoader.loadModel(null, backend);
                LanguageModel.Session kept = model.newSession()) {
            for (int[] tokens : texts) {
                Perplexity.Result fresh = Perplexity.of(model, tokens, 128, 64, scored -> {});
                Perplexity.Result reused = Perplexity.of(model, kept, tokens, 128, 64, scored -> {});
                assertEquals(fresh, reused);
            }
        }
    }
}
