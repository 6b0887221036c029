package dev.forwardpass.models.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;
import dev.forwardpass.models.TestFiles;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors reader: tensors read back as written, and every malformed case is one line naming its field. */
class SafetensorsFileTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort BITS16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    private static float[] values(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) Math.sin(i * 0.7 + 1) * scale;
        }
        return v;
    }

    @Test
    void tensorsReadBackInEveryDtype() throws IOException {
        float[] a = values(6, 3f);
        float[] b = values(12, 100f);
        float[] c = values(5, 1e-3f);
        Path file = new SafetensorsWriter()
                .add("a", DType.F32, new int[] {2, 3}, a)
                .add("b", DType.F16, new int[] {3, 4}, b)
                .add("c", DType.BF16, new int[] {5}, c)
                .add("scalar", DType.F32, new int[] {}, new float[] {7f})
                .write(dir.resolve("m.safetensors"));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(java.util.List.of("a", "b", "c", "scalar"), java.util.List.copyOf(f.names()));
            assertEquals("pt", f.metadata().get("format"));
            TensorData ta = f.tensor("a");
            assertEquals(Shape.of(2, 3), ta.shape());
            assertEquals(DType.F32, ta.dtype());
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], ta.data().getAtIndex(F32, i));
            }
            TensorData tb = f.tensor("b");
            assertEquals(DType.F16, tb.dtype());
            for (int i = 0; i < b.length; i++) {
                assertEquals(SafetensorsWriter.round(b[i], DType.F16), Float.float16ToFloat(tb.data().getAtIndex(BITS16, i)));
            }
            TensorData tc = f.tensor("c");
            assertEquals(DType.BF16, tc.dtype());
            for (int i = 0; i < c.length; i++) {
                float read = Float.intBitsToFloat((tc.data().getAtIndex(BITS16, i) & 0xFFFF) << 16);
                assertEquals(SafetensorsWriter.round(c[i], DType.BF16), read);
                assertEquals(c[i], read, Math.abs(c[i]) / 128);
            }
            assertEquals(Shape.of(1), f.tensor("scalar").shape());
        }
    }

    /** {@return the error of opening {@code bytes} as a safetensors file}, checked to be one line naming the file */
    private ModelFormatException error(byte[] bytes) {
        Path file = TestFiles.write(dir, "bad.safetensors", bytes);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(file).close());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), e.getMessage());
        return e;
    }

    private static byte[] valid() {
        return new SafetensorsWriter().add("w", DType.F32, new int[] {4, 2}, values(8, 1f)).toBytes();
    }

    @Test
    void aHeaderLengthBeyondTheFile() {
        byte[] bytes = valid();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bytes.length);
        ModelFormatException e = error(bytes);
        assertEquals("header_size", e.field());
        assertEquals(0, e.offset());
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -5);
        assertEquals("header_size", error(bytes).field());
        assertEquals("header_size", error(new byte[] {1, 2, 3}).field());
    }

    @Test
    void aHeaderThatIsNotJson() {
        ModelFormatException e = error(SafetensorsWriter.file("{\"w\": {\"dtype\": \"F32\", ", new byte[0]));
        assertEquals("header", e.field());
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        assertEquals("header", error(SafetensorsWriter.file("[1, 2]", new byte[0])).field());
        // zeros after the '{' made Jackson read the header as UTF-32 (a fuzz finding): JSON has no NUL
        ModelFormatException nul = error(SafetensorsWriter.file("{\0\0\0\017\017\017\017}", new byte[0]));
        assertEquals("header", nul.field());
        assertEquals(9, nul.offset());
        assertTrue(nul.getMessage().endsWith("is not valid JSON: a NUL byte"), nul.getMessage());
    }

    @Test
    void offsetsOutsideTheFile() {
        byte[] bytes = valid();
        // the file truncated: the tensor's end lies past the data
        ModelFormatException e = error(Arrays.copyOf(bytes, bytes.length - 4));
        assertEquals("w.data_offsets", e.field());
        assertTrue(e.getMessage().contains("outside the data of 28 bytes"), e.getMessage());
        assertTrue(e.offset() > 8, "the offset of the tensor's entry in the header");
        e = error(SafetensorsWriter.file(
                "{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [9000000000, 9000000008]}}", new byte[8]));
        assertEquals("w.data_offsets", e.field());
        e = error(SafetensorsWriter.file(
                "{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", new byte[8]));
        assertEquals("w.data_offsets", e.field());
    }

    @Test
    void tensorsMustTileTheDataExactly() {
        String two = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, "
                + "\"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [%d, %d]}}";
        ModelFormatException overlap = error(SafetensorsWriter.file(two.formatted(4, 12), new byte[12]));
        assertEquals("b.data_offsets", overlap.field());
        assertTrue(overlap.getMessage().contains("[4, 12] overlaps tensor 'a', which ends at 8"), overlap.getMessage());
        ModelFormatException gap = error(SafetensorsWriter.file(two.formatted(12, 20), new byte[20]));
        assertEquals("b.data_offsets", gap.field());
        assertTrue(gap.getMessage().contains("leaves a gap after tensor 'a'"), gap.getMessage());
        ModelFormatException trailing = error(SafetensorsWriter.file(two.formatted(8, 16), new byte[20]));
        assertEquals("data", trailing.field());
        assertTrue(trailing.getMessage().contains("4 bytes after the last tensor belong to none"),
                trailing.getMessage());
        ModelFormatException leadingSpace = error(SafetensorsWriter.file(" " + two.formatted(8, 16), new byte[16]));
        assertEquals("header", leadingSpace.field());
        assertTrue(leadingSpace.getMessage().contains("must start with '{'"), leadingSpace.getMessage());
    }

    @Test
    void offsetsThatDoNotHoldTheShape() {
        ModelFormatException e = error(SafetensorsWriter.file(
                "{\"w\": {\"dtype\": \"F16\", \"shape\": [3, 2], \"data_offsets\": [0, 8]}}", new byte[16]));
        assertEquals("w.data_offsets", e.field());
        assertTrue(e.getMessage().contains("needs 12"), e.getMessage());
        e = error(SafetensorsWriter.file(
                "{\"w\": {\"dtype\": \"F32\", \"shape\": [-1, 2], \"data_offsets\": [0, 8]}}", new byte[8]));
        assertEquals("w.shape", e.field());
        e = error(SafetensorsWriter.file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2]}}", new byte[8]));
        assertEquals("w.data_offsets", e.field());
    }

    @Test
    void anUnknownDtypeFailsAtOpenAndAnUnsupportedOneWhenUsed() throws IOException {
        ModelFormatException e = error(new SafetensorsWriter().addRaw("w", "Q9", new long[] {2}, new byte[2]).toBytes());
        assertEquals("w.dtype", e.field());
        assertTrue(e.getMessage().contains("unknown dtype 'Q9' for tensor 'w'"), e.getMessage());

        // checkpoints carry integer buffers they never compute with: accepted until someone asks for them
        Path file = new SafetensorsWriter().addRaw("ids", "I64", new long[] {3}, new byte[24])
                .add("w", DType.F32, new int[] {2}, values(2, 1f)).write(dir.resolve("ints.safetensors"));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals("I64", f.dtypeName("ids"));
            ModelFormatException use = assertThrows(ModelFormatException.class, () -> f.tensor("ids"));
            assertTrue(use.getMessage().contains("unsupported dtype I64 for tensor 'ids' (supported: F32, F16, BF16)"),
                    use.getMessage());
            ModelFormatException missing = assertThrows(ModelFormatException.class, () -> f.tensor("nope"));
            assertEquals("nope", missing.field());
            assertTrue(missing.getMessage().contains("no such tensor"), missing.getMessage());
        }
    }

    @Test
    void shardsAreFoundThroughTheIndex() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("sharded"));
        new SafetensorsWriter().add("a", DType.F32, new int[] {2}, new float[] {1, 2}).write(folder.resolve("s-1.safetensors"));
        new SafetensorsWriter().add("b", DType.F32, new int[] {1}, new float[] {3}).write(folder.resolve("s-2.safetensors"));
        Files.writeString(folder.resolve(SafetensorsShards.INDEX_FILE),
                "{\"metadata\": {\"total_size\": 12}, \"weight_map\": {\"a\": \"s-1.safetensors\", \"b\": \"s-2.safetensors\"}}");
        try (SafetensorsShards shards = SafetensorsShards.open(folder)) {
            assertEquals(2f, shards.tensor("a").data().getAtIndex(F32, 1));
            assertEquals(3f, shards.tensor("b").data().getAtIndex(F32, 0));
            assertEquals("c", assertThrows(ModelFormatException.class, () -> shards.tensor("c")).field());
        }
        // an index that names a tensor its shard does not hold
        Files.writeString(folder.resolve(SafetensorsShards.INDEX_FILE),
                "{\"weight_map\": {\"a\": \"s-1.safetensors\", \"b\": \"s-1.safetensors\"}}");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsShards.open(folder));
        assertEquals("b", e.field());
        // a missing shard, and a shard outside the folder
        Files.writeString(folder.resolve(SafetensorsShards.INDEX_FILE), "{\"weight_map\": {\"a\": \"s-9.safetensors\"}}");
        assertThrows(NoSuchFileException.class, () -> SafetensorsShards.open(folder));
        Files.writeString(folder.resolve(SafetensorsShards.INDEX_FILE), "{\"weight_map\": {\"a\": \"../s-1.safetensors\"}}");
        assertEquals("weight_map.a", assertThrows(ModelFormatException.class, () -> SafetensorsShards.open(folder)).field());
    }

    @Test
    void aFolderWithoutWeightsNamesWhatItHas() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("pt"));
        Files.write(folder.resolve("pytorch_model.bin"), new byte[4]);
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> SafetensorsShards.open(folder));
        assertTrue(e.getMessage().contains("pytorch_model.bin"), e.getMessage());
    }

    @Test
    void aFileFarAbove2GbIsMappedNotRead() throws IOException {
        // a sparse file: 3 GB of zeros after a small header, which takes no disk space and must not be read
        long dataBytes = 3L << 30;
        String header = "{\"big\": {\"dtype\": \"F32\", \"shape\": [" + (dataBytes / 4) + "], \"data_offsets\": [0, "
                + dataBytes + "]}}";
        byte[] head = SafetensorsWriter.file(header, new byte[0]);
        Path file = dir.resolve("big.safetensors");
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.SPARSE)) {
            channel.write(ByteBuffer.wrap(head));
            channel.write(ByteBuffer.wrap(new byte[] {0}), head.length + dataBytes - 1);
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            TensorData big = f.tensor("big");
            assertEquals(dataBytes, big.data().byteSize());
            assertEquals(0f, big.data().getAtIndex(F32, dataBytes / 4 - 1));
        }
    }
}
