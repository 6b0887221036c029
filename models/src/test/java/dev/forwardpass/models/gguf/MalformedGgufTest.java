package dev.forwardpass.models.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.format.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed GGUF files, a case each: every one is refused with one line naming the file and the field, before
 * anything is allocated for what the file claims.
 */
class MalformedGgufTest {
    @TempDir
    Path dir;

    @Test
    void aFileNamedGgufWithAnotherMagicSaysSo() throws IOException {
        ModelFormatException e = loadError(new GgufBytes().u32(0x46554748).u32(3).u64(0).u64(0).bytes());
        assertEquals("magic", e.field());
        assertTrue(e.getMessage().contains("not a GGUF file"), e.getMessage());
    }

    @Test
    void anUnknownVersionIsNamed() throws IOException {
        ModelFormatException e = loadError(new GgufBytes().header(7, 0, 0).bytes());
        assertEquals("version", e.field());
        assertTrue(e.getMessage().contains("unsupported GGUF version 7 (supported: 2, 3"), e.getMessage());
    }

    @Test
    void metadataCutShortNamesTheValue() throws IOException {
        byte[] whole = new GgufBytes().header(3, 0, 1).kv("general.name", "a model").bytes();
        ModelFormatException e = loadError(Arrays.copyOf(whole, whole.length - 3));
        assertEquals("general.name", e.field());
    }

    @Test
    void aStringValuePastTheEndOfTheFile() throws IOException {
        ModelFormatException e = loadError(new GgufBytes().header(3, 0, 1).string("general.name").u32(8)
                .u64(1000).bytes());
        assertEquals("general.name", e.field());
        assertTrue(e.getMessage().contains("a string of 1000 bytes does not fit"), e.getMessage());
    }

    @Test
    void tensorDataOutsideTheFile() throws IOException {
        // one F32 tensor of 32 elements (128 bytes) at offset 64 of 128 bytes of data
        ModelFormatException e = loadError(tensors(128, new long[] {32}, 0, 64));
        assertEquals("a.offset", e.field());
        assertTrue(e.getMessage().contains("within the 128 bytes of tensor data"), e.getMessage());
    }

    @Test
    void overlappingTensors() throws IOException {
        ModelFormatException e = loadError(tensors(256, new long[] {32}, 0, 0, new long[] {32}, 0, 96));
        assertEquals("b.offset", e.field());
        assertTrue(e.getMessage().contains("overlaps tensor 'a', which ends at 128"), e.getMessage());
    }

    @Test
    void dimensionsWhoseProductOverflows() throws IOException {
        long big = Integer.MAX_VALUE;
        ModelFormatException e = loadError(tensors(0, new long[] {big, big, big}, 0, 0));
        assertEquals("a.dimensions", e.field());
        assertTrue(e.getMessage().contains("the tensor's size overflows"), e.getMessage());
    }

    @Test
    void anUnknownTensorType() throws IOException {
        ModelFormatException e = loadError(tensors(128, new long[] {32}, 99, 0));
        assertEquals("a.type", e.field());
        assertTrue(e.getMessage().contains("unknown ggml type 99"), e.getMessage());
    }

    @Test
    void aMisalignedOffset() throws IOException {
        ModelFormatException e = loadError(tensors(256, new long[] {32}, 0, 4));
        assertEquals("a.offset", e.field());
        assertTrue(e.getMessage().contains("must be a multiple of 32"), e.getMessage());
    }

    @Test
    void aTruncatedFileNamesWhereItEnds() throws IOException {
        byte[] whole = Files.readAllBytes(TestFiles.shared("models/stories260K/stories260K.gguf"));
        ModelFormatException e = loadError(Arrays.copyOf(whole, whole.length - 100));
        assertTrue(e.field().endsWith(".offset"), e.getMessage()); // the last tensor's data is cut off
        ModelFormatException header = loadError(Arrays.copyOf(whole, 300));
        assertTrue(header.getMessage().contains("truncated") || header.getMessage().contains("do not fit"),
                header.getMessage());
    }

    @Test
    void lyingCountsAreRefusedBeforeAnythingIsAllocated() throws IOException {
        assertEquals("metadata_kv_count", loadError(new GgufBytes().header(3, 0, 1L << 40).bytes()).field());
        assertEquals("tensor_count", loadError(new GgufBytes().header(3, Long.MAX_VALUE, 0).bytes()).field());
        ModelFormatException string = loadError(new GgufBytes().header(3, 0, 1).u64(1L << 50).u64(0).u64(0).bytes());
        assertEquals("metadata key", string.field());
        ModelFormatException array = loadError(new GgufBytes().header(3, 0, 1).string("tokenizer.ggml.tokens")
                .u32(9).u32(8).u64(1L << 40).bytes());
        assertEquals("tokenizer.ggml.tokens.array_length", array.field());
    }

    @Test
    void versionOneAndUnknownTypesAreNamed() throws IOException {
        ModelFormatException v1 = loadError(new GgufBytes().header(1, 0, 0).bytes());
        assertEquals("version", v1.field());
        assertTrue(v1.getMessage().contains("supported: 2, 3"), v1.getMessage());
        ModelFormatException type = loadError(new GgufBytes().header(3, 0, 1).string("general.name").u32(99).bytes());
        assertEquals("general.name.type", type.field());
        assertTrue(type.getMessage().contains("unknown metadata value type 99"), type.getMessage());
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

    /**
     * {@return a GGUF file without metadata whose tensors, named a, b, ..., are given as (dims, type id, offset)
     * triples, followed by {@code dataBytes} zero bytes of tensor data}
     */
    private static byte[] tensors(int dataBytes, Object... tensors) {
        GgufBytes b = new GgufBytes().header(3, tensors.length / 3, 0);
        for (int t = 0; t < tensors.length; t += 3) {
            long[] dims = (long[]) tensors[t];
            b.string(String.valueOf((char) ('a' + t / 3))).u32(dims.length);
            for (long d : dims) {
                b.u64(d);
            }
            b.u32((Integer) tensors[t + 1]).u64((Integer) tensors[t + 2]);
        }
        byte[] header = b.align(32).bytes();
        return Arrays.copyOf(header, header.length + dataBytes);
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
