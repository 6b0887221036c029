package dev.forwardpass.models.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.models.KnownOutputs;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.decoder.Checkpoint;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.decoder.RandomCheckpoint;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.llama.Llama;
import dev.forwardpass.models.llama.LlamaConfig;
import dev.forwardpass.models.llama2c.Llama2cCheckpoint;
import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.text.RunCGenerator;
import dev.forwardpass.models.text.TextModel;
import dev.forwardpass.models.tokenizer.Llama2cTokenizer;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GGUF files written from stories260K: from llama2.c's .bin and tok512.bin they hold ggml-org's stories260K.gguf's
 * tensors and tokenizer keys byte for byte and tell run.c's story; block types fall back per tensor as llama.cpp's
 * rules say.
 */
class GgufWriterTest {
    @TempDir
    Path dir;

    private Path stories260KAsGguf(DType type) throws IOException {
        Path out = dir.resolve("stories260K." + type + ".gguf");
        try (Checkpoint<?> bin = Llama2cCheckpoint.read(MappedFile.ofBytes(TestFiles.stories260K(), "stories260K.bin"));
                MappedFile tok512 = MappedFile.ofBytes(TestFiles.tok512(), "tok512.bin")) {
            Llama2cTokenizer tokenizer = Llama2cTokenizer.read(tok512.reader(), bin.config().vocabSize());
            GgufWriter.write(bin, "stories260K", type, GgufTokenizerMetadata.of(tokenizer), out);
        }
        return out;
    }

    @Test
    void fromTheLlama2cFilesItHoldsWhatGgmlOrgsFileHolds() throws IOException {
        Path written = stories260KAsGguf(DType.F32);
        try (MappedFile ours = MappedFile.open(written);
                MappedFile ggmlOrgs = MappedFile.open(TestFiles.shared("models/stories260K/stories260K.gguf"))) {
            GgufFile a = GgufFile.read(ours);
            GgufFile b = GgufFile.read(ggmlOrgs);
            assertEquals(GgufOutput.VERSION, a.version());
            assertEquals(GgufFile.DEFAULT_ALIGNMENT, a.alignment());
            assertFalse(a.metadata().containsKey("general.alignment"));
            assertSameTokenizerKeys(b, a);
            // the config keys (the .bin says the context of 512 it was trained on, the .gguf says 2048)
            b.metadata().forEach((key, value) -> {
                if (key.startsWith("llama.") && !key.equals("llama.context_length")) {
                    assertEquals(value, a.metadata().get(key), key);
                }
            });
            assertEquals(512L, a.metadata().get("llama.context_length"));
            assertEquals("llama", a.metadata().get("general.architecture"));
            assertEquals(0L, a.metadata().get("general.file_type"));
            // every tensor, in name, dimensions and bytes; the classifier is tied in the .bin, so it is not written
            assertEquals(b.tensors().size() - 1, a.tensors().size());
            assertFalse(a.tensors().containsKey("output.weight"));
            for (GgufFile.TensorInfo tensor : a.tensors().values()) {
                GgufFile.TensorInfo expected = b.tensors().get(tensor.name());
                assertArrayEquals(expected.dims(), tensor.dims(), tensor.name());
                assertEquals(expected.type(), tensor.type(), tensor.name());
                assertEquals(-1, expected.data().mismatch(tensor.data()), tensor.name());
            }
        }
    }

    @Test
    void itTellsRunCsStoryWithTheTokenizerItCarries() throws IOException {
        Path written = stories260KAsGguf(DType.F32);
        try (Backend backend = Backends.get("scalar", BackendOptions.withThreads(1));
                LanguageModel model = ModelLoader.loadModel(written, backend)) {
            Tokenizer tokenizer = ModelLoader.loadTokenizer(null, written, model);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            RunCGenerator.generate(TextModel.of(model, tokenizer), "", 200, SamplingParams.greedy(), out::writeBytes);
            assertEquals(KnownOutputs.GREEDY_200, out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aGgufFileWrittenAgainKeepsItsTensorsAndTokenizerKeys() throws IOException {
        Path source = TestFiles.shared("models/stories260K/stories260K.gguf");
        Path written = dir.resolve("again.gguf");
        try (Checkpoint<?> checkpoint = GgufCheckpoint.read(MappedFile.open(source), 0)) {
            assertEquals(List.of(), GgufWriter.write(checkpoint, "llama", DType.F32,
                    GgufTokenizerMetadata.copiedFrom(source), written));
        }
        try (MappedFile ours = MappedFile.open(written); MappedFile theirs = MappedFile.open(source)) {
            GgufFile a = GgufFile.read(ours);
            GgufFile b = GgufFile.read(theirs);
            assertEquals(b.tensors().keySet(), a.tensors().keySet()); // output.weight too
            for (GgufFile.TensorInfo tensor : b.tensors().values()) {
                assertEquals(-1, tensor.data().mismatch(a.tensors().get(tensor.name()).data()), tensor.name());
            }
            assertSameTokenizerKeys(b, a);
        }
    }

    /**
     * stories260K's rows are 64 wide, but for ffn_down's 172: Q8_0 fits all but ffn_down, which falls back to F16 (no
     * 32-element type fits 172); the K-quants' 256 fit none, so Q4_K falls back to Q5_0 and, for ffn_down, to F16.
     * Norms stay F32 whatever is asked.
     */
    @Test
    void rowsThatAreNotWholeBlocksFallBackPerTensor() throws IOException {
        for (DType type : new DType[] {DType.Q8_0, DType.Q4_K}) {
            Path out = dir.resolve(type + ".gguf");
            List<GgufWriter.Fallback> fallbacks;
            try (Checkpoint<?> bin = Llama2cCheckpoint.read(MappedFile.ofBytes(TestFiles.stories260K(), "bin"))) {
                fallbacks = GgufWriter.write(bin, "stories260K", type, GgufTokenizerMetadata.NONE, out);
            }
            DType wide = type == DType.Q8_0 ? DType.Q8_0 : DType.Q5_0;
            try (MappedFile file = MappedFile.open(out)) {
                GgufFile gguf = GgufFile.read(file);
                for (GgufFile.TensorInfo tensor : gguf.tensors().values()) {
                    DType expected = tensor.dims().length == 1 ? DType.F32
                            : tensor.name().contains("ffn_down") ? DType.F16 : wide;
                    assertEquals(expected, tensor.type().dtype(), type + " " + tensor.name());
                }
                assertEquals((long) GgufFileType.of(type).id, gguf.metadata().get("general.file_type"));
            }
            int expectedFallbacks = type == DType.Q8_0 ? 5 : 5 * 7 + 1; // ffn_down; every matrix of the K-quant
            assertEquals(expectedFallbacks, fallbacks.size(), type + ": " + fallbacks);
            assertTrue(fallbacks.contains(new GgufWriter.Fallback("blk.0.ffn_down.weight", 172, type, DType.F16)));
        }
    }

    /** convert_hf_to_gguf.py's permute: a head's rows (a0 a1 | b0 b1) become the pairs (a0 b0)(a1 b1). */
    @Test
    void ropeRowsArePermutedAsLlamaCppsConverterDoes() {
        int[] toInterleaved = GgufWriter.ropeRowOrder(8, 4, RopeLayout.INTERLEAVED);
        assertArrayEquals(new int[] {0, 2, 1, 3, 4, 6, 5, 7}, toInterleaved);
        int[] back = GgufWriter.ropeRowOrder(8, 4, RopeLayout.HALF_SPLIT);
        for (int r = 0; r < 8; r++) {
            assertEquals(r, toInterleaved[back[r]]);
        }
    }

    @Test
    void whatGgufCannotSayIsRefused() {
        LlamaConfig llama3 = new LlamaConfig(32, 64, 1, 4, 4, 8, 16, 16, 1e-5f, 500000f, RopeLayout.HALF_SPLIT, false,
                new LlamaConfig.Llama3RopeScaling(8, 1, 4, 512));
        try (RandomCheckpoint<LlamaConfig> checkpoint = RandomCheckpoint.of(Llama.ARCHITECTURE, llama3, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GgufWriter.write(
                    checkpoint, "x", DType.F32, GgufTokenizerMetadata.NONE, dir.resolve("x.gguf")));
            assertTrue(e.getMessage().contains("rope scaling"), e.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("x.gguf")));
    }

    /** Checks that {@code actual} has {@code expected}'s nine tokenizer keys, each pair byte for byte, and no other. */
    private static void assertSameTokenizerKeys(GgufFile expected, GgufFile actual) {
        Map<String, byte[]> keys = tokenizerPairs(expected.metadataBytes());
        Map<String, byte[]> written = tokenizerPairs(actual.metadataBytes());
        assertEquals(9, keys.size());
        assertEquals(keys.keySet(), written.keySet());
        keys.forEach((key, bytes) -> assertArrayEquals(bytes, written.get(key), key));
    }

    /** {@return the {@code tokenizer.*} pairs, as their bytes} */
    private static Map<String, byte[]> tokenizerPairs(Map<String, MemorySegment> pairs) {
        Map<String, byte[]> bytes = new TreeMap<>();
        pairs.forEach((key, value) -> {
            if (key.startsWith("tokenizer.")) {
                bytes.put(key, value.toArray(ValueLayout.JAVA_BYTE));
            }
        });
        return bytes;
    }
}
