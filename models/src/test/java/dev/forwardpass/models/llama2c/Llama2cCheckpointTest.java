package dev.forwardpass.models.llama2c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.models.TestFiles;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.llama.LlamaConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void readsTheEmbeddedModelsHeader() throws IOException {
        try (Llama2cCheckpoint checkpoint = Llama2cCheckpoint.open(write(TestFiles.stories260K()))) {
            assertEquals(new LlamaConfig(64, 172, 5, 8, 4, 8, 512, 512, 1e-5f, 10000f, RopeLayout.INTERLEAVED),
                    checkpoint.config());
            assertFalse(checkpoint.has("output.weight")); // the classifier is the token embedding
            assertEquals(0, checkpoint.version());
            assertEquals(64 * 512 * 4, checkpoint.tensor("token_embd.weight").data().byteSize());
        }
    }

    @Test
    void aTruncatedCheckpointSaysHowManyBytesTheHeaderNeeds() {
        byte[] whole = TestFiles.stories260K();
        ModelFormatException e = expectFormatError(Arrays.copyOf(whole, whole.length - 1000));
        assertEquals("weights", e.field());
        assertTrue(e.getMessage().contains("need " + whole.length + " bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aHeaderWhoseSizesExceedTheFileIsRejectedBeforeMapping() {
        // dim 4096: the weights would need gigabytes; nothing is allocated for them
        ModelFormatException e = expectFormatError(withHeaderInt(TestFiles.stories260K(), 0, 4096));
        assertEquals("weights", e.field());
    }

    @Test
    void sizesThatOverflowSixtyFourBitsAreAFormatError() {
        // each dimension is allowed alone, but together the weights would need more than 2^63 bytes
        int big = 1 << 20;
        int[][] headers = {{big, big, big, 1, 1, big, big}, {big, big, big, 2, 2, 512, 512},
                {big, 8, big, 1, 1, big, big}};
        for (int[] header : headers) {
            byte[] bytes = TestFiles.stories260K();
            for (int i = 0; i < header.length; i++) {
                bytes = withHeaderInt(bytes, i, header[i]);
            }
            ModelFormatException e = expectFormatError(bytes);
            assertEquals("weights", e.field());
            assertTrue(e.getMessage().contains("need more than 2^63 bytes"), e.getMessage());
        }
    }

    @Test
    void negativeAndAbsurdDimensionsNameTheirField() {
        ModelFormatException negative = expectFormatError(withHeaderInt(TestFiles.stories260K(), 2, -5));
        assertEquals("n_layers", negative.field());
        assertEquals(8, negative.offset());
        assertTrue(negative.getMessage().endsWith("found -5"), negative.getMessage());

        ModelFormatException absurd = expectFormatError(withHeaderInt(TestFiles.stories260K(), 6, Integer.MAX_VALUE));
        assertEquals("seq_len", absurd.field());

        ModelFormatException zeroVocab = expectFormatError(withHeaderInt(TestFiles.stories260K(), 5, 0));
        assertEquals("vocab_size", zeroVocab.field());

        // run.c's EOS is token 2: a smaller vocabulary has no room for it
        ModelFormatException noEos = expectFormatError(withHeaderInt(TestFiles.stories260K(), 5, -2));
        assertEquals("vocab_size", noEos.field());
        assertTrue(noEos.getMessage().endsWith("must be between 3 and 1048576 in magnitude, found -2"),
                noEos.getMessage());
    }

    @Test
    void kvHeadsThatDoNotDivideHeads() {
        Path file = write(withHeaderInt(TestFiles.stories260K(), 4, 3));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Llama2cCheckpoint.open(file));
        assertEquals(file + ": field 'n_kv_heads' at offset 16: must divide n_heads=8, found 3", e.getMessage());
    }

    @Test
    void filesShorterThanAHeader() {
        assertEquals("hidden_dim", expectFormatError(new byte[] {64, 0, 0, 0, 1, 2}).field());
        assertEquals("dim", expectFormatError(new byte[0]).field());
    }

    @Test
    void aMissingFile() {
        assertThrows(NoSuchFileException.class, () -> Llama2cCheckpoint.open(dir.resolve("nope.bin")));
    }

    @Test
    void anUnsupportedVersion() {
        ByteBuffer header = ByteBuffer.allocate(300).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(Llama2cCheckpoint.VERSION_1_MAGIC).putInt(2);
        ModelFormatException e = expectFormatError(header.array());
        assertEquals("version", e.field());
        assertTrue(e.getMessage().contains("unsupported llama2.c checkpoint version 2"), e.getMessage());
    }

    @Test
    void unsharedClassifierIsReadFromTheEnd() throws IOException {
        byte[] shared = TestFiles.stories260K();
        byte[] unshared = Llama2cFiles.legacyWithSeparateClassifier(shared);
        try (Llama2cCheckpoint checkpoint = Llama2cCheckpoint.open(write(unshared))) {
            assertTrue(checkpoint.has("output.weight"));
            assertEquals(checkpoint.tensor("token_embd.weight").data().asByteBuffer(),
                    checkpoint.tensor("output.weight").data().asByteBuffer());
        }
    }

    @Test
    void version1HoldsTheSameTensors() throws IOException {
        byte[] legacy = TestFiles.stories260K();
        try (Llama2cCheckpoint v0 = Llama2cCheckpoint.open(TestFiles.write(dir, "legacy.bin", legacy));
                Llama2cCheckpoint v1 = Llama2cCheckpoint.open(TestFiles.write(dir, "v1.bin", Llama2cFiles.version1(legacy, true)))) {
            assertEquals(1, v1.version());
            assertEquals(v0.config(), v1.config());
            for (String name : new String[] {"token_embd.weight", "blk.0.attn_norm.weight", "blk.4.ffn_down.weight",
                    "blk.2.attn_k.weight", "output_norm.weight"}) {
                assertEquals(v0.tensor(name).data().asByteBuffer(), v1.tensor(name).data().asByteBuffer(), name);
            }
        }
    }

    private ModelFormatException expectFormatError(byte[] bytes) {
        Path file = write(bytes);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Llama2cCheckpoint.open(file));
        assertTrue(e.getMessage().startsWith(file + ": field '"), e.getMessage());
        return e;
    }

    private Path write(byte[] bytes) {
        return TestFiles.write(dir, "model.bin", bytes);
    }

    static byte[] withHeaderInt(byte[] checkpoint, int index, int value) {
        byte[] copy = checkpoint.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(index * 4, value);
        return copy;
    }
}
