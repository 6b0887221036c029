package dev.forwardpass.benchmarks;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Enough copies of one weight matrix {@code [d, n]} (F32, or random blocks of a block type: {@link BlockWeights}) that taking them in turn never finds one in a cache: at least
 * {@link #MIN_BYTES} in all, several times any last-level cache. A decode step reads every weight once, from memory
 * (the 110M model's 440 MB fit in no cache), so a matrix × vector measured on one matrix kept hot in the cache would
 * promise more than decoding can give.
 */
final class StreamedWeights implements AutoCloseable {
    /** The least memory the copies take together: 8 × a 32 MiB last-level cache. */
    static final long MIN_BYTES = 256L << 20;

    private final Arena arena = Arena.ofShared(); // shared: the java backend's pool threads read it
    private final Tensor[] copies;
    private int next;

    /** Uploads the copies of a random {@code [d, n]} matrix of {@code type} (F32 values in ±1/sqrt(n)) to {@code backend}. */
    StreamedWeights(Backend backend, int d, int n, DType type, long seed) {
        long bytes = type.byteSize((long) d * n);
        int count = (int) Math.max(1, (MIN_BYTES + bytes - 1) / bytes);
        MemorySegment all = arena.allocate(bytes * count, 64);
        if (type == DType.F32) {
            RandomData.fill(all.asSlice(0, bytes), seed, (float) (1 / Math.sqrt(n)));
        } else {
            BlockWeights.fill(all.asSlice(0, bytes), type, seed);
        }
        for (int i = 1; i < count; i++) {
            MemorySegment.copy(all, 0, all, i * bytes, bytes);
        }
        copies = new Tensor[count];
        for (int i = 0; i < count; i++) {
            copies[i] = backend.upload(all.asSlice(i * bytes, bytes), Shape.of(d, n), type);
        }
    }

    /** {@return the next copy in turn} */
    Tensor next() {
        Tensor w = copies[next];
        next = next + 1 == copies.length ? 0 : next + 1;
        return w;
    }

    /** {@return how many copies there are} */
    int count() {
        return copies.length;
    }

    @Override
    public void close() {
        for (Tensor w : copies) {
            w.close();
        }
        arena.close();
    }
}
