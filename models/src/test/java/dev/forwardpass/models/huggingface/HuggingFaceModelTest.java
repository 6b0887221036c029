package dev.forwardpass.models.huggingface;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.api.DType;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.format.SafetensorsWriter;
import dev.forwardpass.models.gpt2.Gpt2Config;
import dev.forwardpass.models.llama.LlamaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tiny GPT-2, Llama, Mistral and Qwen2 folders with random weights, written here, load through
 * {@link HuggingFaceModel} and give the logits of the independent {@link ReferenceTransformer}, to 1e-4 of the
 * logits' scale, for every dtype and every backend.
 */
class HuggingFaceModelTest {
    /** Agreement asked of the logits, relative to the largest logit of the position. */
    static final double RELATIVE_TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    /**
     * {@return the backends every model test runs on} Add a backend here once its module is on this module's test
     * class path (the DJL backend, for one).
     */
    static Stream<String> backends() {
        return Stream.of("scalar", "java", "djl");
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        backends().forEach(backend -> {
            for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) { // safetensors' float types
                for (TinyCheckpoints.Variant variant : TinyCheckpoints.Variant.values()) {
                    cases.add(Arguments.of(backend, dtype, variant));
                }
            }
        });
        return cases.stream();
    }

    @ParameterizedTest(name = "{2} {1} on {0}")
    @MethodSource("cases")
    void logitsMatchTheReference(String backendName, DType dtype, TinyCheckpoints.Variant variant) throws IOException {
        TinyCheckpoints.TinyModel model = TinyCheckpoints.random(variant, 1234 + variant.ordinal());
        Path folder = model.write(dir.resolve(variant.name()), dtype);
        int[] tokens = TinyCheckpoints.tokens(model.vocabSize(), 12, 99);
        double[][] expected = ReferenceTransformer.logits(model.rounded(dtype), tokens);
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(1));
                LanguageModel loaded = HuggingFaceModel.load(folder, backend);
                LanguageModel.Session session = loaded.newSession()) {
            assertEquals(model.vocabSize(), loaded.vocabSize());
            for (int pos = 0; pos < tokens.length; pos++) {
                assertClose(expected[pos], session.forward(tokens[pos], pos), variant + " " + dtype + " position " + pos);
            }
            // the same tokens as one batch (Llama runs a prompt as matrix × matrix, biases added to every row)
            try (LanguageModel.Session batch = loaded.newSession()) {
                batch.prefill(tokens, 0, (index, logits) -> assertClose(expected[index], logits,
                        variant + " " + dtype + " prefill position " + index));
            }
            // and run for its next token only (the classifier for the last row alone)
            try (LanguageModel.Session last = loaded.newSession()) {
                assertClose(expected[tokens.length - 1], last.prefill(tokens, 0),
                        variant + " " + dtype + " prefill for the last logits");
            }
        }
    }

    /** Checks {@code |actual - expected| <= 1e-4 · max|expected|} everywhere, naming the worst index on failure. */
    static void assertClose(double[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        int worst = 0;
        double worstError = 0;
        for (int i = 0; i < expected.length; i++) {
            double error = Math.abs(actual[i] - expected[i]);
            if (error > worstError) {
                worstError = error;
                worst = i;
            }
        }
        if (worstError > RELATIVE_TOLERANCE * scale) {
            fail(what + ": logit " + worst + " is " + actual[worst] + ", expected " + expected[worst]
                    + " (error " + worstError + " > " + RELATIVE_TOLERANCE + " × " + scale + ")");
        }
    }

    @Test
    void configsAndParameterCounts() throws IOException {
        try (Backend backend = Backends.get("scalar", BackendOptions.withThreads(1))) {
            for (TinyCheckpoints.Variant variant : TinyCheckpoints.Variant.values()) {
                TinyCheckpoints.TinyModel model = TinyCheckpoints.random(variant, 5);
                Path folder = model.write(dir.resolve("count-" + variant), DType.F32);
                try (LanguageModel loaded = HuggingFaceModel.load(folder, backend)) {
                    // every weight of the file is counted, a tied classifier once
                    assertEquals(model.parameterCount(), loaded.parameterCount(), variant.name());
                    assertEquals(variant.isGpt2() ? "gpt2" : "llama", loaded.architecture());
                    if (variant.isGpt2()) {
                        assertInstanceOf(Gpt2Config.class, loaded.config());
                        assertEquals(16, loaded.seqLen());
                    } else {
                        LlamaConfig c = assertInstanceOf(LlamaConfig.class, loaded.config());
                        assertEquals(variant == TinyCheckpoints.Variant.QWEN2, c.qkvBias());
                        assertEquals(variant == TinyCheckpoints.Variant.LLAMA3_ROPE_SCALING, c.ropeScaling() != null);
                        assertEquals(32, loaded.seqLen());
                    }
                    assertEquals(folder.toString(), loaded.source());
                }
            }
        }
    }

    @Test
    void aContextLimitShortensTheSessions() throws IOException {
        Path gpt2 = TinyCheckpoints.random(TinyCheckpoints.Variant.GPT2, 1).write(dir.resolve("g"), DType.F32);
        Path llama = TinyCheckpoints.random(TinyCheckpoints.Variant.LLAMA, 1).write(dir.resolve("l"), DType.F32);
        try (Backend backend = Backends.get("scalar", BackendOptions.withThreads(1));
                LanguageModel g = HuggingFaceModel.load(gpt2, backend, 8);
                LanguageModel l = HuggingFaceModel.load(llama, backend, 8)) {
            assertEquals(8, g.seqLen());
            assertEquals(8, l.seqLen());
        }
    }

    @Test
    void anEmptyModelHasTheContextOfItsTrainedModel() throws IOException {
        // a Llama 3.1 context: the trained model is capped at the default limit, and so must its empty twin be
        TinyCheckpoints.TinyModel model = TinyCheckpoints.random(TinyCheckpoints.Variant.LLAMA3_ROPE_SCALING, 3);
        model.config().put("max_position_embeddings", 131072);
        Path folder = model.write(dir.resolve("long-context"), DType.F32);
        try (Backend backend = Backends.get("scalar", BackendOptions.withThreads(1));
                LanguageModel trained = ModelLoader.loadModel(folder, backend);
                LanguageModel empty = ModelLoader.loadEmpty(folder, backend, 7)) {
            assertEquals(ModelLoader.DEFAULT_CONTEXT_LIMIT, trained.seqLen());
            assertEquals(trained.seqLen(), empty.seqLen());
        }
    }

    @Test
    void shardedWeightsGiveTheSameLogits() throws IOException {
        TinyCheckpoints.TinyModel model = TinyCheckpoints.random(TinyCheckpoints.Variant.QWEN2, 77);
        Path single = model.write(dir.resolve("single"), DType.BF16);
        // the same tensors split over two shards and an index
        Path sharded = Files.createDirectories(dir.resolve("sharded"));
        Files.copy(single.resolve("config.json"), sharded.resolve("config.json"));
        SafetensorsWriter first = new SafetensorsWriter();
        SafetensorsWriter second = new SafetensorsWriter();
        StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        int i = 0;
        for (Map.Entry<String, float[]> t : model.tensors().entrySet()) {
            boolean inFirst = i++ % 2 == 0;
            (inFirst ? first : second).add(t.getKey(), DType.BF16, model.shapes().get(t.getKey()), t.getValue());
            index.append(i > 1 ? ", " : "").append('"').append(t.getKey()).append("\": \"model-0000")
                    .append(inFirst ? 1 : 2).append("-of-00002.safetensors\"");
        }
        first.write(sharded.resolve("model-00001-of-00002.safetensors"));
        second.write(sharded.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(sharded.resolve("model.safetensors.index.json"), index.append("}}"));
        int[] tokens = TinyCheckpoints.tokens(model.vocabSize(), 6, 3);
        try (Backend backend = Backends.get("scalar", BackendOptions.withThreads(1));
                LanguageModel a = HuggingFaceModel.load(single, backend);
                LanguageModel b = HuggingFaceModel.load(sharded, backend);
                LanguageModel.Session sa = a.newSession();
                LanguageModel.Session sb = b.newSession()) {
            for (int pos = 0; pos < tokens.length; pos++) {
                float[] la = sa.forward(tokens[pos], pos).clone();
                float[] lb = sb.forward(tokens[pos], pos);
                assertTrue(java.util.Arrays.equals(la, lb), "position " + pos);
            }
        }
    }
}
