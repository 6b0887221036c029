package dev.forwardpass.models.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.quant.Dequantizer;
import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.format.MappedFile;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The block types against ggml's own bytes and floats ({@code ../shared/quant}): the stories260K token embedding as
 * 128 rows of 256, quantized by ggml's reference quantizers, and ggml's dequantization of those bytes.
 */
class QuantVectorsTest {
    private static final int COUNT = 128 * 256;

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void dequantizingGivesGgmlsFloatsBitForBit(DType type) throws IOException {
        try (MappedFile file = MappedFile.open(TestFiles.shared("quant/quant-vectors-stories260K-embd.gguf"))) {
            GgufFile gguf = GgufFile.read(file);
            String name = type.name().toLowerCase(java.util.Locale.ROOT);
            GgufFile.TensorInfo bytes = gguf.tensors().get(name);
            assertEquals(type.name(), bytes.type().name());
            float[] expected = Dequantizer.dequantize(DType.F32, gguf.tensors().get(name + ".dequant").data(), 0,
                    COUNT);
            float[] actual = Dequantizer.dequantize(type, bytes.data(), 0, COUNT);
            for (int i = 0; i < COUNT; i++) {
                if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                    assertEquals(expected[i], actual[i], 0, type + " element " + i);
                }
            }
        }
    }
}
