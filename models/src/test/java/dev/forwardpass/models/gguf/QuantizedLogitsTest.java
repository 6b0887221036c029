package dev.forwardpass.models.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.api.quant.Dequantizer;
import dev.forwardpass.api.quant.Quantizer;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.decoder.LanguageModel;
import dev.forwardpass.models.decoder.RandomCheckpoint;
import dev.forwardpass.models.decoder.TensorTable;
import dev.forwardpass.models.format.TensorData;
import dev.forwardpass.models.llama.Llama;
import dev.forwardpass.models.llama.LlamaConfig;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A freshly initialised Llama whose every row is whole K-quant blocks (256 wide), written as F32, Q4_K and Q6_K: on
 * every backend that takes the type, the quantized files' logits stay within what their weights' error allows.
 *
 * <p>The tolerance: quantizing a matrix with relative RMS error ε (measured here over the model's matrices: about
 * 0.071 for Q4_K and 0.018 for Q6_K on normal weights) adds ε to its output's relative error, in quadrature with the
 * error its input already has. A token's signal crosses at most k = 2 + 3 · nLayers = 8 quantized matrices on its way
 * to the logits (the embedding; in each block the value and output projections, or the gate, up and down ones; the
 * classifier), so the logits' relative RMS error is about √k · ε ≈ 2.8ε. It must be at most 4ε (room for errors that
 * are not independent, such as a group's shared scale, and for the spread over positions; measured: 2.2–2.3ε for
 * Q4_K, 2.7–3.1ε for Q6_K, the same on every backend) and more than ε, so that the quantized weights were used.
 */
class QuantizedLogitsTest {
    private static final LlamaConfig CONFIG = new LlamaConfig(256, 768, 2, 4, 2, 64, 512, 16, 1e-5f, 10000f,
            RopeLayout.INTERLEAVED);
    private static final int[] TOKENS = {1, 17, 300, 42, 511, 3, 99, 256};

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeTheModelAsEachType() throws IOException {
        try (RandomCheckpoint<LlamaConfig> model = RandomCheckpoint.of(Llama.ARCHITECTURE, CONFIG, 5)) {
            for (DType type : new DType[] {DType.F32, DType.Q4_K, DType.Q6_K}) {
                assertEquals(List.of(), GgufWriter.write(model, "random", type, GgufTokenizerMetadata.NONE,
                        dir.resolve(type + ".gguf")));
            }
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of("scalar", "java", "djl")
                .flatMap(backend -> Stream.of(Arguments.of(backend, DType.Q4_K), Arguments.of(backend, DType.Q6_K)));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("cases")
    void logitsStayWithinTheWeightsQuantizationError(String backendName, DType type) throws IOException {
        double epsilon = weightError(type);
        try (Backend backend = Backends.get(backendName, BackendOptions.withThreads(1))) {
            Assumptions.assumeTrue(backend.supports(type), backendName + " does not take " + type + " yet");
            try (LanguageModel f32 = ModelLoader.loadModel(dir.resolve("F32.gguf"), backend);
                    LanguageModel quantized = ModelLoader.loadModel(dir.resolve(type + ".gguf"), backend);
                    LanguageModel.Session a = f32.newSession();
                    LanguageModel.Session b = quantized.newSession()) {
                for (int pos = 0; pos < TOKENS.length; pos++) {
                    float[] expected = a.forward(TOKENS[pos], pos).clone();
                    float[] actual = b.forward(TOKENS[pos], pos);
                    double error = 0;
                    double scale = 0;
                    for (int i = 0; i < expected.length; i++) {
                        error += (double) (actual[i] - expected[i]) * (actual[i] - expected[i]);
                        scale += (double) expected[i] * expected[i];
                    }
                    double relative = Math.sqrt(error / scale);
                    String what = type + " on " + backendName + " position " + pos + ": relative RMS error " + relative
                            + " for weights' " + epsilon;
                    assertTrue(relative <= 4 * epsilon, what);
                    assertTrue(relative > epsilon, what);
                }
            }
        }
    }

    /** {@return the relative RMS error of the model's matrices quantized as {@code type}} */
    private static double weightError(DType type) throws IOException {
        double error = 0;
        double scale = 0;
        try (RandomCheckpoint<LlamaConfig> model = RandomCheckpoint.of(Llama.ARCHITECTURE, CONFIG, 5)) {
            for (TensorTable.Entry<LlamaConfig> entry : Llama.ARCHITECTURE.tensors().entries(CONFIG.nLayers())) {
                if (!model.has(entry.name()) || entry.spec().shape().apply(CONFIG).rank() != 2) {
                    continue;
                }
                TensorData tensor = model.tensor(entry.name());
                int n = Math.toIntExact(tensor.shape().size());
                float[] weights = Dequantizer.dequantize(DType.F32, tensor.data(), 0, n);
                float[] back = Dequantizer.dequantize(type, MemorySegment.ofArray(Quantizer.quantize(type, weights)),
                        0, n);
                for (int i = 0; i < n; i++) {
                    error += (double) (back[i] - weights[i]) * (back[i] - weights[i]);
                    scale += (double) weights[i] * weights[i];
                }
            }
        }
        return Math.sqrt(error / scale);
    }
}
