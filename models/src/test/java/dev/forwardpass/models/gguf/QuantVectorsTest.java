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
 * The block types against ggml's own bytes and floats ({@code ../shared/quant}): the stories260K token embedding as
 * 128 rows of 256, quantized by ggml's reference quantizers, and ggml's dequantization of those bytes. Our quantizer
 * must write those bytes and our reader must read those floats, both exactly.
 */
class QuantVectorsTest {
    private static final int COUNT = 128 * 256;

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void dequantizingGivesGgmlsFloatsBitForBit(DType type) throws IOException {
        try (MappedFile file = MappedFile.open(TestFiles.shared("quant/quant-vectors-stories260K-embd.gguf"))) {
            GgufFile gguf = GgufFile.read(file);
            String name = type.name().toLowerCase(Locale.ROOT);
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

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void quantizingGivesGgmlsBytes(DType type) throws IOException {
        try (MappedFile file = MappedFile.open(TestFiles.shared("quant/quant-vectors-stories260K-embd.gguf"))) {
            GgufFile gguf = GgufFile.read(file);
            float[] source = Dequantizer.dequantize(DType.F32, gguf.tensors().get("source.f32").data(), 0, COUNT);
            byte[] expected = gguf.tensors().get(type.name().toLowerCase(Locale.ROOT)).data()
                    .toArray(ValueLayout.JAVA_BYTE);
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
}
