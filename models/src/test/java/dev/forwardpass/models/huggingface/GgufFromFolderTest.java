package dev.forwardpass.models.huggingface;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.api.DType;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.decoder.Checkpoint;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.gguf.GgufTokenizerMetadata;
import dev.forwardpass.models.gguf.GgufWriter;
import dev.forwardpass.models.sampling.SamplingParams;
import dev.forwardpass.models.text.RunCGenerator;
import dev.forwardpass.models.text.TextModel;
import dev.forwardpass.models.tokenizer.LlamaCppConverter;
import dev.forwardpass.models.tokenizer.SentencePieceFiles;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A GGUF file written from a Hugging Face folder gives the folder's logits, F32 as F32 and F16 as F16, for every
 * family and variant GGUF can hold: GPT-2 with its query, key and value fused again, Llama with its query and key rows
 * permuted back to llama.cpp's interleaved pairs, Qwen2 with its biases and its rows as they are; with the folder's
 * tokenizer written too, the file tells the folder's story.
 */
class GgufFromFolderTest {
    /**
     * Agreement asked of the logits, relative to the position's largest. The weights are the same numbers, but a
     * Llama's permuted rows make each head's dot products add the same products in another order, so its logits may
     * differ in their last bits (the scalar backend's double sums give them exactly today); the other families' must
     * be equal.
     */
    private static final double PERMUTED_TOLERANCE = 1e-6;

    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (DType dtype : new DType[] {DType.F32, DType.F16}) {
            for (TinyCheckpoints.Variant variant : TinyCheckpoints.Variant.values()) {
                if (variant != TinyCheckpoints.Variant.LLAMA3_ROPE_SCALING) {
                    cases.add(Arguments.of(variant, dtype));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void aGgufWrittenFromAFolderGivesTheFoldersLogits(TinyCheckpoints.Variant variant, DType dtype)
            throws IOException {
        TinyCheckpoints.TinyModel model = TinyCheckpoints.random(variant, 4321 + variant.ordinal());
        Path folder = model.write(dir.resolve(variant.name()), dtype);
        Path gguf = dir.resolve(variant + ".gguf");
        try (Checkpoint<?> checkpoint = HuggingFaceModel.open(folder, 0)) {
            assertEquals(List.of(), GgufWriter.write(checkpoint, variant.name(), dtype, GgufTokenizerMetadata.NONE,
                    gguf));
        }
        int[] tokens = TinyCheckpoints.tokens(model.vocabSize(), 12, 7);
        boolean permuted = !variant.isGpt2() && variant != TinyCheckpoints.Variant.QWEN2;
        try (Backend backend = Backends.get("scalar", BackendOptions.withThreads(1));
                LanguageModel fromFolder = ModelLoader.loadModel(folder, backend);
                LanguageModel fromGguf = ModelLoader.loadModel(gguf, backend);
                LanguageModel.Session a = fromFolder.newSession();
                LanguageModel.Session b = fromGguf.newSession()) {
            assertEquals(fromFolder.architecture(), fromGguf.architecture());
            assertEquals(fromFolder.parameterCount(), fromGguf.parameterCount());
            for (int pos = 0; pos < tokens.length; pos++) {
                float[] expected = a.forward(tokens[pos], pos).clone();
                assertClose(expected, b.forward(tokens[pos], pos), permuted ? PERMUTED_TOLERANCE : 0,
                        variant + " " + dtype + " position " + pos);
            }
        }
    }

    @Test
    void withItsSentencePieceTokenizerStories260KsFolderTellsTheSameStoryFromGguf() throws IOException {
        Path folder = Llama2cAsHuggingFaceTest.writeHuggingFaceFolder(TestFiles.stories260K(), dir.resolve("s260K"));
        SentencePieceFiles.write(folder, TestFiles.tok512(), 512, SentencePieceFiles.Style.LEGACY);
        SentencePieceFiles.writeLlamaTokenizerConfig(folder);
        Path gguf = dir.resolve("s260K.gguf");
        try (Checkpoint<?> checkpoint = HuggingFaceModel.open(folder, 0)) {
            GgufWriter.write(checkpoint, "s260K", DType.F32, GgufTokenizerMetadata.of(
                    LlamaCppConverter.vocabulary(folder, checkpoint.config().vocabSize())), gguf);
        }
        try (Backend backend = Backends.get("scalar", BackendOptions.withThreads(1));
                LanguageModel fromFolder = ModelLoader.loadModel(folder, backend);
                LanguageModel fromGguf = ModelLoader.loadModel(gguf, backend)) {
            Tokenizer ggufTokenizer = ModelLoader.loadTokenizer(null, gguf, fromGguf);
            Tokenizer runC = ModelLoader.loadTokenizer(null, null, fromGguf);    // the embedded tok512.bin
            assertArrayEquals(runC.encode("Once upon a time"), ggufTokenizer.encode("Once upon a time"));
            String story = story(fromFolder, ModelLoader.loadTokenizer(null, folder, fromFolder));
            assertTrue(story.startsWith("Once upon a time") && story.length() > 100, story);
            assertEquals(story, story(fromGguf, ggufTokenizer));
        }
    }

    /** {@return stories260K's greedy continuation of "Once upon a time", as generation prints it} */
    private static String story(LanguageModel model, Tokenizer tokenizer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RunCGenerator.generate(TextModel.of(model, tokenizer), "Once upon a time", 60, SamplingParams.greedy(),
                out::writeBytes);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void llama3sRopeScalingIsRefusedWithAReason() throws IOException {
        Path folder = TinyCheckpoints.random(TinyCheckpoints.Variant.LLAMA3_ROPE_SCALING, 1)
                .write(dir.resolve("llama3"), DType.F32);
        try (Checkpoint<?> checkpoint = HuggingFaceModel.open(folder, 0)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GgufWriter.write(
                    checkpoint, "llama3", DType.F32, GgufTokenizerMetadata.NONE, dir.resolve("llama3.gguf")));
            assertTrue(e.getMessage().contains("rope scaling is not written to GGUF"), e.getMessage());
        }
    }

    private static void assertClose(float[] expected, float[] actual, double relative, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(actual[i] - expected[i]) > relative * scale) {
                fail(what + ": logit " + i + " is " + actual[i] + ", the folder's " + expected[i]);
            }
        }
    }
}
