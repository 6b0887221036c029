package dev.forwardpass.models.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.models.Generator;
import dev.forwardpass.models.KnownOutputs;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.llama.LlamaConfig;
import dev.forwardpass.models.sampling.Sampler;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GGUF files: ggml-org's stories260K.gguf gives the llama2.c checkpoint's logits and run.c's greedy story, and
 * malformed headers are refused with the field named, before anything is allocated for them.
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
                LanguageModel model = ModelLoader.loadModel(gguf, backend);
                LanguageModel.Session session = model.newSession()) {
            Tokenizer tokenizer = ModelLoader.loadTokenizer(null, gguf, model); // from the file's metadata
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Generator.generate(session, model.seqLen(), tokenizer, "", 200, new Sampler(model.vocabSize(), 0f, 0.9f, 1),
                    out::writeBytes);
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
            for (String text : new String[] {"Once upon a time, there was a little girl named Lily.", "", " x  y\n\n",
                    "Tom said: \"I like the café ☕!\""}) {
                int[] ids = tok512.encode(text);
                assertArrayEquals(ids, fromGguf.encode(text), text);
                for (int i = 1; i < ids.length; i++) {
                    assertArrayEquals(tok512.decode(ids[i - 1], ids[i]), fromGguf.decode(ids[i - 1], ids[i]), text);
                }
            }
        }
    }

    @Test
    void anUnsupportedArchitectureListsTheSupportedOnes() throws IOException {
        ModelFormatException e = loadError(new GgufBytes().header(3, 0, 1).kv("general.architecture", "mamba")
                .bytes());
        assertEquals("general.architecture", e.field());
        assertTrue(e.getMessage().contains("unsupported architecture 'mamba' (supported: gpt2, llama, qwen2)"),
                e.getMessage());
    }

    @Test
    void aTensorTypeTheBackendsDoNotTakeIsNamed() throws IOException {
        // a one-layer llama whose token embedding is Q2_K: 256 x 2 elements, two blocks of 84 bytes
        GgufBytes b = new GgufBytes().header(3, 1, 6).tinyLlamaMetadata()
                .string("token_embd.weight").u32(2).u64(256).u64(2).u32(10).u64(0).align(32);
        byte[] bytes = Arrays.copyOf(b.bytes(), b.bytes().length + 2 * 84);
        ModelFormatException e = loadError(bytes);
        assertEquals("token_embd.weight", e.field());
        assertTrue(e.getMessage().contains("unsupported tensor type Q2_K for 'token_embd.weight' (supported: F32, F16, "
                + "Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, BF16)"), e.getMessage());
    }

    @Test
    void aTensorTheFamilyDoesNotHaveIsRefusedRatherThanIgnored() throws IOException {
        // Llama 3's rope_freqs would change every rotation: running without it would be silently wrong
        GgufBytes b = new GgufBytes().header(3, 2, 6).tinyLlamaMetadata()
                .string("token_embd.weight").u32(2).u64(32).u64(2).u32(0).u64(0)
                .string("rope_freqs.weight").u32(1).u64(4).u32(0).u64(256).align(32);
        byte[] bytes = Arrays.copyOf(b.bytes(), b.bytes().length + 256 + 32);
        ModelFormatException e = loadError(bytes);
        assertEquals("rope_freqs.weight", e.field());
        assertTrue(e.getMessage().contains("a tensor llama models do not have"), e.getMessage());
        GgufBytes scaled = new GgufBytes().header(3, 1, 7).tinyLlamaMetadata().kv("llama.rope.scaling.type", "yarn")
                .string("token_embd.weight").u32(2).u64(32).u64(2).u32(0).u64(0).align(32);
        ModelFormatException scaling = loadError(Arrays.copyOf(scaled.bytes(), scaled.bytes().length + 256));
        assertEquals("llama.rope.scaling.type", scaling.field());
        assertTrue(scaling.getMessage().contains("rope scaling 'yarn' is not supported"), scaling.getMessage());
    }

    @Test
    void aFileThatIsNotGgufIsNotTakenForOne() {
        assertFalse(GgufCheckpoint.isGguf(java.lang.foreign.MemorySegment.ofArray(TestFiles.stories260K())));
    }

    private ModelFormatException loadError(byte[] bytes) throws IOException {
        Path file = TestFiles.write(dir, "model.gguf", bytes);
        try (Backend backend = Backends.get("scalar", BackendOptions.withThreads(1))) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.loadModel(file, backend));
            assertTrue(e.getMessage().startsWith(file + ": field '"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            return e;
        }
    }
}
