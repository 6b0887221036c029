package dev.forwardpass.backend.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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

    @Test
    void hugePageMemoryIsZeroedAlignedAndFreedWithItsArena() {
        Arena arena = Arena.ofShared();
        MemorySegment bytes = HugePages.allocate(HugePages.PAGE + 12, arena);
        assertEquals(HugePages.PAGE + 12, bytes.byteSize());
        assertEquals(0, bytes.address() % HugePages.PAGE);
        for (long i = 0; i < bytes.byteSize(); i += 4093) {
            assertEquals(0, bytes.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
        }
        bytes.fill((byte) 1); // writable to its last byte
        arena.close();
        assertFalse(bytes.scope().isAlive());
    }

    @Test
    void aBigBlockIsZeroedAlignedWritableAndReusedZeroed() {
        TensorMemory memory = new TensorMemory();
        long bytes = 3L * TensorMemory.FIRST_TOUCH_BYTES + 12; // a KV cache layer's size: pages mapped as touched
        TensorMemory.Block block = memory.allocate(bytes);
        assertEquals(0, block.memory().address() % TensorMemory.ALIGNMENT);
        for (long i = 0; i < bytes; i += 4093) {
            assertEquals(0, block.memory().get(ValueLayout.JAVA_BYTE, i), "byte " + i);
        }
        block.memory().asSlice(0, bytes).fill((byte) 7); // writable to its last byte
        memory.free(block);
        TensorMemory.Block again = memory.allocate(bytes);
        assertEquals(block.memory().address(), again.memory().address(), "kept for its size class");
        for (long i = 0; i < bytes; i += 4093) {
            assertEquals(0, again.memory().get(ValueLayout.JAVA_BYTE, i), "byte " + i + " of the reused block");
        }
        memory.free(again);
        memory.close();
        assertFalse(again.arena().scope().isAlive(), "unmapped with the memory");
    }

    @Test
    void packedTensorsShareASlabThatTheLastOfThemFrees() {
        TensorMemory memory = new TensorMemory();
        TensorMemory.Block a = memory.allocatePacked(10);
        TensorMemory.Block b = memory.allocatePacked(100);
        assertEquals(a.arena(), b.arena(), "one slab");
        assertEquals(a.memory().address() + TensorMemory.ALIGNMENT, b.memory().address(), "packed, aligned");
        assertEquals(100, b.memory().byteSize());
        TensorMemory.Block big = memory.allocatePacked(TensorMemory.SLAB_BYTES); // no room left: a slab of its own
        assertNotEquals(a.arena(), big.arena());
        memory.free(a);
        assertTrue(b.arena().scope().isAlive(), "b still uses the first slab");
        memory.free(b);
        assertFalse(a.arena().scope().isAlive(), "its last tensor frees a slab that packs no more");
        memory.free(big);
        assertTrue(big.arena().scope().isAlive(), "the current slab waits for more tensors");
        memory.close();
        assertFalse(big.arena().scope().isAlive(), "closing frees the current slab once it is empty");
    }

    @Test
    void packingStopsAtHalfTheMachinesMemoryCountingEveryModelOfTheProcess() {
        TensorMemory one = new TensorMemory();
        TensorMemory other = new TensorMemory();
        long room = TensorMemory.PACKED_LIMIT - TensorMemory.packedInProcess();
        assertNull(one.allocatePacked(room + 1), "past the limit: the caller keeps the weights where they are");
        TensorMemory.Block block = one.allocatePacked(1000);
        assertEquals(1000, block.memory().byteSize());
        assertNull(other.allocatePacked(room - 999), "what another model packed counts");
        one.free(block);
        assertEquals(room, TensorMemory.PACKED_LIMIT - TensorMemory.packedInProcess(), "what is freed no longer counts");
        one.close();
        other.close();
    }
}
