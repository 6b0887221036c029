package dev.forwardpass.backend.java;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The native memory of a backend's tensors, with what closed tensors gave back kept for the next ones. Each block
 * lives in a shared arena of its own (the pool threads read and write it), and closing a shared arena costs a
 * handshake with every thread of the JVM: ~20 us alone, ~140 us while another thread computes (measured on JDK 25),
 * which a prompt chunk's dozen activation tensors paid every time and two sessions computing side by side paid for
 * each other. Blocks of up to {@link #LARGEST_KEPT} bytes are therefore allocated in powers of two and kept when
 * their tensor closes, up to {@link #KEPT_LIMIT} bytes in all, so that prompts of any length reuse them; bigger ones
 * (a copied weight, one layer's keys of a long context) are freed at once, as are those past the limit. Whole KV
 * caches are kept by the model that made them ({@code KvCachePool}), which knows which of their rows to zero.
 */
final class TensorMemory {
    /** Blocks start on a cache line, so a vector load never straddles two lines. */
    static final long ALIGNMENT = 64;
    /** The largest block kept for reuse: a 128-token chunk's logits over a 32,000-token vocabulary is 16 MB. */
    static final long LARGEST_KEPT = 32L << 20;
    /** The most memory kept, in all, for tensors to come. */
    static final long KEPT_LIMIT = 256L << 20;

    /** The memory of one tensor: {@code memory} (at least the tensor's bytes) in {@code arena}, which owns it. */
    record Block(Arena arena, MemorySegment memory) {}

    private final Map<Long, ArrayDeque<Block>> kept = new HashMap<>(); // by capacity, a power of two
    private long keptBytes;
    private boolean closed;

    /** {@return zero-filled memory of {@code bytes}} with the block that owns it; give the block back with {@link #free} */
    Block allocate(long bytes) {
        long capacity = bytes <= LARGEST_KEPT ? Long.highestOneBit(Math.max(bytes, ALIGNMENT) * 2 - 1) : bytes;
        synchronized (this) {
            ArrayDeque<Block> blocks = kept.get(capacity);
            if (blocks != null && !blocks.isEmpty()) {
                Block block = blocks.pop();
                keptBytes -= capacity;
                block.memory().asSlice(0, bytes).fill((byte) 0);
                return block;
            }
        }
        Arena arena = Arena.ofShared();
        return new Block(arena, arena.allocate(capacity, ALIGNMENT));
    }

    /** Keeps {@code block} for a later {@link #allocate} of its size class, or frees it. */
    void free(Block block) {
        long capacity = block.memory().byteSize();
        synchronized (this) {
            // a block of up to LARGEST_KEPT bytes is a power of two: allocate rounded it up
            if (!closed && capacity <= LARGEST_KEPT && keptBytes + capacity <= KEPT_LIMIT) {
                kept.computeIfAbsent(capacity, c -> new ArrayDeque<>()).push(block);
                keptBytes += capacity;
                return;
            }
        }
        block.arena().close();
    }

    /** Frees every block kept; blocks given back later are freed at once. */
    synchronized void close() {
        closed = true;
        kept.values().forEach(blocks -> blocks.forEach(block -> block.arena().close()));
        kept.clear();
        keptBytes = 0;
    }
}
