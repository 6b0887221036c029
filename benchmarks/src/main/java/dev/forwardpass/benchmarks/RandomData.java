package dev.forwardpass.benchmarks;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Seeded random inputs. Their values do not change the work a kernel does; they only keep it away from zeros. */
final class RandomData {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private RandomData() {}

    /** Fills {@code segment} with little-endian floats drawn uniformly from [-scale, scale). */
    static void fill(MemorySegment segment, long seed, float scale) {
        SplittableRandom random = new SplittableRandom(seed);
        long count = segment.byteSize() / Float.BYTES;
        for (long i = 0; i < count; i++) {
            segment.setAtIndex(F32_LE, i, (random.nextFloat() * 2 - 1) * scale);
        }
    }

    /**
     * {@return an F32 tensor of {@code shape} on {@code backend} holding random values in [-1, 1)}. Its data lives in
     * {@code arena} (the pure-Java backends keep a view of it), so the arena must outlive the tensor.
     */
    static Tensor tensor(Backend backend, Arena arena, Shape shape, long seed) {
        MemorySegment data = arena.allocate(shape.size() * Float.BYTES, 64);
        fill(data, seed, 1f);
        return backend.upload(data, shape, DType.F32);
    }
}
