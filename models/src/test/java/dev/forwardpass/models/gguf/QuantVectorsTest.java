package dev.forwardpass.models.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.quant.Dequantizer;
import dev.forwardpass.api.quant.Quantizer;
import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.format.MappedFile;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The block types against ggml's own bytes and floats: the stories260K token embedding as 128 rows of 256 quantized
 * by ggml's reference quantizers ({@code ../shared/quant}: Q4_0, Q8_0, Q4_K, Q6_K), and its first 4 rows in every
 * block type (this module's {@code ggml-quant-vectors-4x256.gguf}, made by {@code scripts/ggml-vectors}), each with
 * ggml's dequantization of the bytes. Our quantizer must write those bytes and our reader must read those floats, both
 * exactly.
 */
class QuantVectorsTest {
    private static final String VECTORS = "/dev/forwardpass/models/gguf/ggml-quant-vectors-4x256.gguf";

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void dequantizingGivesGgmlsFloatsBitForBit(DType type) throws IOException {
        try (MappedFile file = MappedFile.open(TestFiles.shared("quant/quant-vectors-stories260K-embd.gguf"))) {
            assertDequantizesAsGgml(GgufFile.read(file), type, 128 * 256);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void everyBlockTypeDequantizesAsGgmlDoes(DType type) throws IOException {
        try (MappedFile file = MappedFile.ofBytes(TestFiles.resource(VECTORS), VECTORS)) {
            assertDequantizesAsGgml(GgufFile.read(file), type, 4 * 256);
        }
    }

    private static void assertDequantizesAsGgml(GgufFile gguf, DType type, int count) {
        String name = type.name().toLowerCase(Locale.ROOT);
        GgufFile.TensorInfo bytes = gguf.tensors().get(name);
        assertEquals(type.name(), bytes.type().name());
        float[] expected = Dequantizer.dequantize(DType.F32, gguf.tensors().get(name + ".dequant").data(), 0, count);
        float[] actual = Dequantizer.dequantize(type, bytes.data(), 0, count);
        for (int i = 0; i < count; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                assertEquals(expected[i], actual[i], 0, type + " element " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void quantizingGivesGgmlsBytes(DType type) throws IOException {
        try (MappedFile file = MappedFile.open(TestFiles.shared("quant/quant-vectors-stories260K-embd.gguf"))) {
            assertQuantizesAsGgml(GgufFile.read(file), type, 128 * 256);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void everyBlockTypeQuantizesAsGgmlDoes(DType type) throws IOException {
        try (MappedFile file = MappedFile.ofBytes(TestFiles.resource(VECTORS), VECTORS)) {
            assertQuantizesAsGgml(GgufFile.read(file), type, 4 * 256);
        }
    }

    private static void assertQuantizesAsGgml(GgufFile gguf, DType type, int count) {
        float[] source = Dequantizer.dequantize(DType.F32, gguf.tensors().get("source.f32").data(), 0, count);
        byte[] expected = gguf.tensors().get(type.name().toLowerCase(Locale.ROOT)).data().toArray(ValueLayout.JAVA_BYTE);
        byte[] actual = Quantizer.quantize(type, source);
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                fail(type + ": byte " + i + " (block " + i / type.blockBytes() + ", offset " + i % type.blockBytes()
                        + ") is " + actual[i] + ", ggml wrote " + expected[i]);
            }
        }
    }
}
