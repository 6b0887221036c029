package dev.forwardpass.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.llama2c.Llama2cCheckpoint;
import dev.forwardpass.models.llama2c.Llama2cFiles;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same weights in every llama2.c layout give the same logits, bit for bit. */
class LlamaFormatsTest {
    static final int[] PROMPT = {1, 403, 407, 261, 378, 390, 504};

    @TempDir
    Path dir;

    @Test
    void legacyUnsharedAndVersion1AgreeExactly() throws IOException {
        byte[] legacy = TestFiles.stories260K();
        float[][] reference = logits(TestFiles.write(dir, "legacy.bin", legacy));
        assertArrayEquals(reference, logits(TestFiles.write(dir, "unshared.bin", Llama2cFiles.legacyWithSeparateClassifier(legacy))));
        assertArrayEquals(reference, logits(TestFiles.write(dir, "v1.bin", Llama2cFiles.version1(legacy, true))));
        assertArrayEquals(reference, logits(TestFiles.write(dir, "v1-unshared.bin", Llama2cFiles.version1(legacy, false))));
    }

    @Test
    void parameterCountOfStories260K() throws IOException {
        try (Backend backend = Backends.get("scalar", BackendOptions.withThreads(1));
                LanguageModel model = Llama.load(Llama2cCheckpoint.open(TestFiles.write(dir, "m.bin", TestFiles.stories260K())), backend)) {
            // every float of the file but the 28-byte header and the two unused rope tables (seq_len × head_size)
            long floats = (TestFiles.stories260K().length - 28) / 4 - 512L * 8;
            assertEquals(floats, model.parameterCount());
        }
    }

    @Test
    void positionsOutsideTheContextAreRejected() throws IOException {
        try (Backend backend = Backends.get("scalar", BackendOptions.withThreads(1));
                LanguageModel model = Llama.load(Llama2cCheckpoint.open(TestFiles.write(dir, "m.bin", TestFiles.stories260K())), backend);
                LanguageModel.Session session = model.newSession()) {
            assertThrows(IllegalArgumentException.class, () -> session.forward(1, 512));
            assertThrows(IllegalArgumentException.class, () -> session.forward(512, 0));
        }
    }

    private static float[][] logits(Path checkpoint) throws IOException {
        try (Backend backend = Backends.get("scalar", BackendOptions.withThreads(1));
                LanguageModel model = Llama.load(Llama2cCheckpoint.open(checkpoint), backend);
                LanguageModel.Session session = model.newSession()) {
            float[][] out = new float[PROMPT.length][];
            for (int pos = 0; pos < PROMPT.length; pos++) {
                out[pos] = session.forward(PROMPT[pos], pos).clone();
            }
            return out;
        }
    }
}
