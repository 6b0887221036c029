package dev.forwardpass.backend.java;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.backend.java.kernels.Elements;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is particular to the pure-Java backends: discovery and memory ownership (allocation-free decoding: {@link DecodeStepAllocationTest}). */
class JavaBackendTest {

    @Test
    void bothBackendsAreFoundByName() {
        try (Backend java = Backends.get("java", BackendOptions.withThreads(2));
             Backend scalar = Backends.get("scalar", BackendOptions.withThreads(4))) {
            assertEquals("java", java.name());
            assertEquals(2, java.threads());
            assertEquals("scalar", scalar.name());
            assertEquals(1, scalar.threads(), "the reference is single-threaded whatever it is asked");
        }
    }

    @Test
    void f32UploadOfNativeMemoryIsAViewAndOfHeapMemoryACopy() {
        try (Backend backend = new JavaBackend(BackendOptions.withThreads(1)); Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = arena.allocate(8); // stands for a slice of a mapped file
            Tensor view = backend.upload(mapped, Shape.of(2), DType.F32);
            Elements.setFloat(mapped, 1, 42f);
            float[] seen = new float[2];
            backend.copyTo(view, seen);
            assertArrayEquals(new float[] {0, 42}, seen, "no copy was made");

            float[] array = {1, 2};
            Tensor copy = backend.upload(MemorySegment.ofArray(array), Shape.of(2), DType.F32);
            array[0] = 99;
            backend.copyTo(copy, seen);
            assertArrayEquals(new float[] {1, 2}, seen, "heap memory is copied into native memory");
        }
    }

    @Test
    void aMappedFileIsCopiedSoItsTensorsOutliveTheMapping(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("weights.bin");
        Files.write(file, new byte[] {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, 0x40}); // 1f, 2f little-endian
        try (Backend backend = new JavaBackend(BackendOptions.withThreads(2))) {
            Tensor weights;
            Tensor out = backend.allocate(Shape.of(1));
            Tensor x = backend.upload(MemorySegment.ofArray(new float[] {3, 4}), Shape.of(2), DType.F32);
            try (Arena arena = Arena.ofShared(); FileChannel channel = FileChannel.open(file)) {
                MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, 8, arena);
                weights = backend.upload(mapped, Shape.of(1, 2), DType.F32);
            }
            float[] seen = new float[2];
            backend.copyTo(weights, seen);
            assertArrayEquals(new float[] {1, 2}, seen, "the file is unmapped, the copy stays");
            backend.matmul(out, weights, x);
            float[] product = new float[1];
            backend.copyTo(out, product);
            assertArrayEquals(new float[] {11}, product);
            weights.close();
            IllegalStateException thrown = assertThrows(IllegalStateException.class,
                    () -> backend.matmul(out, weights, x));
            assertTrue(thrown.getMessage().contains("closed"), thrown.getMessage());
        }
    }

    @Test
    void halfPrecisionVectorsAreWidenedOnceAndMatricesKeptAsTheyAre() {
        try (Backend backend = new JavaBackend(BackendOptions.withThreads(1)); Arena arena = Arena.ofConfined()) {
            MemorySegment halves = arena.allocate(8);
            for (int i = 0; i < 4; i++) {
                halves.setAtIndex(Elements.BITS16, i, Float.floatToFloat16(i + 0.5f));
            }
            assertEquals(DType.F32, backend.upload(halves, Shape.of(4), DType.F16).dtype(), "a norm weight or bias");
            Tensor matrix = backend.upload(halves, Shape.of(2, 2), DType.F16);
            assertEquals(DType.F16, matrix.dtype(), "a matmul weight or an embedding table");
            float[] values = new float[4];
            backend.copyTo(matrix, values);
            assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f, 3.5f}, values);
        }
    }

    @Test
    void theTwoBackendsRefuseEachOthersTensors() {
        try (Backend java = new JavaBackend(BackendOptions.withThreads(1)); Backend scalar = new ScalarBackend()) {
            Tensor theirs = scalar.allocate(Shape.of(4));
            Tensor ours = java.allocate(Shape.of(4));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> java.gelu(ours, theirs));
            assertEquals("gelu: x is a tensor of backend 'scalar'; backend 'java' cannot use it", e.getMessage());
        }
    }

    @Test
    void shapeErrorsNameTheOpAndTheArguments() {
        try (Backend backend = new JavaBackend(BackendOptions.withThreads(1))) {
            Tensor w = backend.allocate(Shape.of(5, 8));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend.matmul(backend.allocate(Shape.of(5)), w, backend.allocate(Shape.of(3, 7))));
            assertEquals("matmul: x must be [n] or [B, n] with the n of w [5, 8], found [3, 7]", e.getMessage());
        }
    }

    @Test
    void closedTensorsAndBackendsCannotBeUsed() {
        Backend backend = new JavaBackend(BackendOptions.withThreads(2));
        Tensor closedEarly = backend.allocate(Shape.of(4));
        closedEarly.close();
        closedEarly.close(); // closing twice is harmless
        assertThrows(IllegalStateException.class, () -> backend.gelu(closedEarly, closedEarly));
        Tensor leftOpen = backend.allocate(Shape.of(4));
        backend.close();
        assertThrows(IllegalStateException.class, () -> backend.copyTo(leftOpen, new float[4]),
                "closing the backend closes its tensors");
        assertThrows(IllegalStateException.class, () -> backend.allocate(Shape.of(4)));
    }
}
