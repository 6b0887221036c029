package dev.forwardpass.backend.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Shape;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The memory of the java backends' tensors: blocks kept for reuse, zero-filled, aligned, bounded. */
class TensorMemoryTest {
    @Test
    void aFreedBlockServesTheNextTensorOfItsSizeClassZeroFilled() {
        TensorMemory memory = new TensorMemory();
        TensorMemory.Block first = memory.allocate(1000 * Float.BYTES);
        first.memory().fill((byte) 7);
        memory.free(first);
        TensorMemory.Block second = memory.allocate(900 * Float.BYTES); // another prompt length, the same class
        assertEquals(first.memory().address(), second.memory().address());
        assertTrue(first.arena().scope().isAlive(), "a kept block is not freed");
        for (long i = 0; i < 900 * Float.BYTES; i++) {
            assertEquals(0, second.memory().get(ValueLayout.JAVA_BYTE, i), "byte " + i);
        }
        assertEquals(0, second.memory().address() % TensorMemory.ALIGNMENT);
        memory.close();
    }

    @Test
    void blocksLargerThanTheLargestKeptAreFreedAtOnceAndNotRounded() {
        TensorMemory memory = new TensorMemory();
        long bytes = TensorMemory.LARGEST_KEPT + 4;
        TensorMemory.Block block = memory.allocate(bytes);
        assertEquals(bytes, block.memory().byteSize());
        memory.free(block);
        assertFalse(block.arena().scope().isAlive());
        memory.close();
    }

    @Test
    void noMoreThanTheLimitIsKept() {
        TensorMemory memory = new TensorMemory();
        int blocks = (int) (TensorMemory.KEPT_LIMIT / TensorMemory.LARGEST_KEPT) + 1;
        TensorMemory.Block[] taken = new TensorMemory.Block[blocks];
        for (int i = 0; i < blocks; i++) {
            taken[i] = memory.allocate(TensorMemory.LARGEST_KEPT);
        }
        for (TensorMemory.Block block : taken) {
            memory.free(block);
        }
        for (int i = 0; i < blocks - 1; i++) {
            assertTrue(taken[i].arena().scope().isAlive(), "block " + i + " is kept");
        }
        assertFalse(taken[blocks - 1].arena().scope().isAlive(), "the block past the limit is freed");
        memory.close();
        assertFalse(taken[0].arena().scope().isAlive(), "closing frees what was kept");
    }

    @Test
    void aBackendsTensorsReuseTheMemoryOfClosedOnes() {
        try (JavaBackend backend = new JavaBackend(BackendOptions.withThreads(1))) {
            JavaTensor first = (JavaTensor) backend.allocate(Shape.of(3, 100));
            long address = first.data().address();
            first.close();
            JavaTensor second = (JavaTensor) backend.allocate(Shape.of(7, 40)); // 1,120 bytes: the class of 1,200
            assertEquals(address, second.data().address());
            assertEquals(7 * 40 * Float.BYTES, second.data().byteSize());
            JavaTensor third = (JavaTensor) backend.allocate(Shape.of(3, 100));
            assertNotEquals(address, third.data().address(), "a block serves one open tensor at a time");
        }
    }
}
