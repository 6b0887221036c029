package dev.forwardpass.models.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.models.KnownOutputs;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.llama.LlamaConfig;
import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.text.RunCGenerator;
import dev.forwardpass.models.text.TextModel;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GGUF files: ggml-org's stories260K.gguf gives the llama2.c checkpoint's logits and run.c's greedy story, with the
 * tokenizer of its metadata (malformed files: {@link MalformedGgufTest}).
 */
class GgufCheckpointTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "java"})
    void stories260KGgufGivesTheLogitsOfTheLlama2cCheckpoint(String backendName) throws IOException {
        Path gguf = TestFiles.shared("models/stories260K/stories260K.gguf");
        int[] tokens = {1, 403, 407, 261, 488, 5, 17, 400, 259, 511};
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(1));
                LanguageModel fromGguf = ModelLoader.loadModel(gguf, backend);
                LanguageModel fromBin = ModelLoader.loadModel(null, backend);
                LanguageModel.Session a = fromGguf.newSession();
                LanguageModel.Session b = fromBin.newSession()) {
            // the .bin's config, but for the context: llama.context_length says 2048, the .bin the 512 it was trained on
            assertEquals(new LlamaConfig(64, 172, 5, 8, 4, 8, 512, 2048, 1e-5f, 10000f, RopeLayout.INTERLEAVED),
                    fromGguf.config());
            assertEquals(new LlamaConfig(64, 172, 5, 8, 4, 8, 512, 512, 1e-5f, 10000f, RopeLayout.INTERLEAVED),
                    fromBin.config());
            for (int pos = 0; pos < tokens.length; pos++) {
                float[] expected = b.forward(tokens[pos], pos).clone();
                assertArrayEquals(expected, a.forward(tokens[pos], pos), "position " + pos);
            }
        }
    }

    @Test
    void stories260KGgufTellsRunCsGreedyStory() throws IOException {
        Path gguf = TestFiles.shared("models/stories260K/stories260K.gguf");
        try (Backend backend = Backends.get("java", BackendOptions.withThreads(1));
                LanguageModel model = ModelLoader.loadModel(gguf, backend)) {
            Tokenizer tokenizer = ModelLoader.loadTokenizer(null, gguf, model); // from the file's metadata
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            RunCGenerator.generate(TextModel.of(model, tokenizer), "", 200, SamplingParams.greedy(), out::writeBytes);
            assertEquals(KnownOutputs.GREEDY_200, out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void theTokenizerInTheMetadataEncodesAsTok512Does() throws IOException {
        Path gguf = TestFiles.shared("models/stories260K/stories260K.gguf");
        try (Backend backend = Backends.get("scalar", BackendOptions.withThreads(1));
                LanguageModel model = ModelLoader.loadModel(gguf, backend)) {
            Tokenizer fromGguf = ModelLoader.loadTokenizer(null, gguf, model);
            Tokenizer tok512 = ModelLoader.loadTokenizer(TestFiles.write(dir, "tok512.bin", TestFiles.tok512()), gguf,
                    model);
            // the GGUF file as --tokenizer for another model: the embedded stories260K.bin
            Tokenizer given = ModelLoader.loadTokenizer(gguf, null, model);
            for (String text : new String[] {"Once upon a time, there was a little girl named Lily.", "", " x  y\n\n",
                    "Tom said: \"I like the café ☕!\""}) {
                int[] ids = tok512.encode(text);
                assertArrayEquals(ids, fromGguf.encode(text), text);
                assertArrayEquals(ids, given.encode(text), text);
                for (int i = 1; i < ids.length; i++) {
                    assertArrayEquals(tok512.decode(ids[i - 1], ids[i]), fromGguf.decode(ids[i - 1], ids[i]), text);
                }
            }
        }
    }

    @Test
    void aFileThatIsNotGgufIsNotTakenForOne() {
        assertFalse(GgufCheckpoint.isGguf(java.lang.foreign.MemorySegment.ofArray(TestFiles.stories260K())));
    }
}
