package dev.forwardpass.backend.java;

import com.sun.management.OperatingSystemMXBean;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The native memory of a backend's tensors, with what closed tensors gave back kept for the next ones. Each block
 * lives in a shared arena of its own (the pool threads read and write it), and closing a shared arena costs a
 * handshake with every thread of the JVM: ~20 us alone, ~140 us while another thread computes (measured on JDK 25),
 * which a prompt chunk's dozen activation tensors paid every time and two sessions computing side by side paid for
 * each other. Blocks of up to {@link #LARGEST_KEPT} bytes are therefore allocated in powers of two and kept when
 * their tensor closes, up to {@link #KEPT_LIMIT} bytes in all, so that prompts of any length reuse them; bigger ones
 * (a copied weight, one layer's keys of a long context) are freed at once, as are those past the limit. Whole KV
 * caches are kept by the model that made them ({@code KvCachePool}), which knows which of their rows to zero.
 *
 * <p>Weights copied from a file, which live as long as their model, are packed one after the other into slabs of huge
 * pages ({@link #allocatePacked}, {@link HugePages}): a block of their own would round each matrix up to whole 2 MiB
 * pages (a 2.4 MB matrix of the 110M shape to 4 MB). A slab is freed when its last tensor closes. The other blocks
 * (activations, KV caches) are on small pages: an arena's memory, or from {@link #FIRST_TOUCH_BYTES} on, memory the
 * kernel zeroes page by page as it is first written ({@link HugePages#allocateOnFirstTouch}), since a KV cache is
 * allocated for the whole context and mostly never written.
 */
final class TensorMemory {
    /** Blocks start on a cache line, so a vector load never straddles two lines. */
    static final long ALIGNMENT = 64;
    /** The largest block kept for reuse: a 128-token chunk's logits over a 32,000-token vocabulary is 16 MB. */
    static final long LARGEST_KEPT = 32L << 20;
    /** The most memory kept, in all, for tensors to come. */
    static final long KEPT_LIMIT = 256L << 20;

    /** Blocks from this size on take their pages as they are first touched. */
    static final long FIRST_TOUCH_BYTES = 1L << 20;

    /** The size of a slab of packed tensors, unless one tensor needs more. */
    static final long SLAB_BYTES = 64L << 20;
    /**
     * The most memory packed tensors may take in this process, whatever backend or model they belong to: half the
     * machine's (or the container's). Past it, mapped weights are better read where they are than copied into memory
     * the page cache also wants; and several models loaded at once (a Spark executor's task slots) share one budget.
     */
    static final long PACKED_LIMIT = ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getTotalMemorySize() / 2;
    /** The bytes of packed tensors of every {@code TensorMemory} of the process, not yet freed. */
    private static final AtomicLong PACKED_IN_PROCESS = new AtomicLong();

    /**
     * The memory of one tensor: {@code memory} (at least the tensor's bytes) in {@code arena}, which owns it, or a
     * part of {@code slab}, whose arena owns the whole slab.
     */
    record Block(Arena arena, MemorySegment memory, Slab slab) {}

    /** Memory that packed tensors take one after the other: {@code used} bytes so far, {@code live} not yet freed. */
    static final class Slab {
        private final Arena arena;
        private final MemorySegment memory;
        private long used;
        private int live;

        private Slab(long bytes) {
            this.arena = Arena.ofShared();
            this.memory = HugePages.allocate(bytes, arena);
        }
    }

    private final Map<Long, ArrayDeque<Block>> kept = new HashMap<>(); // by capacity, a power of two
    private long keptBytes;
    private Slab slab; // the slab that packs the next tensors, or null
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
        MemorySegment memory = capacity >= FIRST_TOUCH_BYTES
                ? HugePages.allocateOnFirstTouch(capacity, arena)
                : arena.allocate(capacity, ALIGNMENT);
        return new Block(arena, memory, null);
    }

    /**
     * {@return zero-filled memory of {@code bytes}, packed into a slab after the previous packed tensors} with the
     * block that owns it, or null if that would take the packed tensors of the process past {@link #PACKED_LIMIT};
     * give the block back with {@link #free}. For weights: nothing packed is reused.
     */
    synchronized Block allocatePacked(long bytes) {
        if (PACKED_IN_PROCESS.addAndGet(bytes) > PACKED_LIMIT) {
            PACKED_IN_PROCESS.addAndGet(-bytes);
            return null;
        }
        try {
            long taken = Math.ceilDiv(bytes, ALIGNMENT) * ALIGNMENT;
            if (slab == null || slab.used + taken > slab.memory.byteSize()) {
                Slab full = slab;
                slab = new Slab(Math.max(SLAB_BYTES, taken));
                if (full != null && full.live == 0) {
                    full.arena.close();
                }
            }
            MemorySegment memory = slab.memory.asSlice(slab.used, bytes);
            slab.used += taken;
            slab.live++;
            return new Block(slab.arena, memory, slab);
        } catch (RuntimeException | Error e) { // no memory for a new slab: nothing was packed
            PACKED_IN_PROCESS.addAndGet(-bytes);
            throw e;
        }
    }

    /** {@return the bytes that packed tensors of the whole process take now} */
    static long packedInProcess() {
        return PACKED_IN_PROCESS.get();
    }

    /** Keeps {@code block} for a later {@link #allocate} of its size class, or frees it. */
    void free(Block block) {
        if (block.slab() != null) {
            freePacked(block.slab(), block.memory().byteSize());
            return;
        }
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

    /** The last tensor of a slab that packs no more frees it; so does the last of the current slab after close. */
    private synchronized void freePacked(Slab packed, long bytes) {
        PACKED_IN_PROCESS.addAndGet(-bytes);
        packed.live--;
        if (packed.live == 0 && (packed != slab || closed)) {
            packed.arena.close();
            if (packed == slab) {
                slab = null;
            }
        }
    }

    /** Frees every block kept; blocks given back later are freed at once. */
    synchronized void close() {
        closed = true;
        if (slab != null && slab.live == 0) {
            slab.arena.close();
            slab = null;
        }
        kept.values().forEach(blocks -> blocks.forEach(block -> block.arena().close()));
        kept.clear();
        keptBytes = 0;
    }
}
