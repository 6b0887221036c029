package dev.forwardpass.backend.java.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Scratch memory owned by one thread of a computation (the caller or one pool thread of {@link Parallel}), reused from
 * call to call so that the per-token ops allocate nothing once it has grown to the size they need.
 *
 * <p>A kernel may use it for the duration of one call only, and must not assume anything about its contents. Not
 * thread-safe: one workspace belongs to one participant at a time.
 */
public final class Workspace {
    /** Cache-line alignment, so that a vector load never straddles two lines. */
    private static final long ALIGNMENT = 64;

    private MemorySegment floats = MemorySegment.NULL;
    private MemorySegment transposed = MemorySegment.NULL;

    /** Creates an empty workspace; it grows on first use. */
    public Workspace() {}

    /**
     * {@return native memory for at least {@code count} F32 elements, with unspecified contents}. The same segment is
     * returned until a larger one is requested, so this allocates only while the workspace grows.
     */
    public MemorySegment floats(long count) {
        floats = atLeast(floats, count);
        return floats;
    }

    /**
     * {@return native memory for at least {@code count} F32 elements, with unspecified contents, apart from
     * {@link #floats}}: for a transposed copy of an op's input, which the op reads while it uses floats() as scratch.
     * Grows like floats().
     */
    public MemorySegment transposed(long count) {
        transposed = atLeast(transposed, count);
        return transposed;
    }

    /** {@return {@code segment} if it holds {@code count} floats, else a new segment that does} */
    private static MemorySegment atLeast(MemorySegment segment, long count) {
        long bytes = count * Float.BYTES;
        if (segment.byteSize() >= bytes) {
            return segment;
        }
        // Native like the tensors, so the kernels' memory accesses see one kind of segment. The automatic arena
        // frees the old buffer once unreachable: a workspace lives as long as its backend.
        return Arena.ofAuto().allocate(bytes, ALIGNMENT);
    }
}
