package dev.forwardpass.models.format;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Freshly initialised weights, as training scripts initialise them (GPT-2, nanoGPT, llama2.c's model.py):
 * matrices and embeddings from normal(0, 0.02), norm weights 1, biases 0. Each tensor has its own generator, seeded
 * from the seed and the tensor's name, so a value does not depend on the order in which tensors are asked for.
 * The memory is owned by this object and released by {@link #close()}.
 */
public final class RandomTensors implements AutoCloseable {
    /** The standard deviation of the initial matrices and embeddings. */
    public static final double INIT_STD = 0.02;

    private final long seed;
    private final Arena arena = Arena.ofShared();
    private final Map<String, TensorData> made = new HashMap<>();

    public RandomTensors(long seed) {
        this.seed = seed;
    }

    /** {@return the seed} */
    public long seed() {
        return seed;
    }

    /** {@return the F32 tensor {@code name} of {@code shape}, initialised by its name's role (made once)} */
    public synchronized TensorData tensor(String name, Shape shape) {
        TensorData data = made.get(name);
        if (data == null) {
            data = make(name, shape);
            made.put(name, data);
        }
        return data;
    }

    private TensorData make(String name, Shape shape) {
        MemorySegment segment = arena.allocate(shape.size() * 4, 64);
        boolean isNormWeight = name.endsWith("norm.weight");
        boolean isBias = name.endsWith(".bias");
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
        for (long i = 0; i < shape.size(); i++) {
            float value = isNormWeight ? 1f : isBias ? 0f : (float) (random.nextGaussian() * INIT_STD);
            segment.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, value);
        }
        return new TensorData(name, DType.F32, shape, segment);
    }

    @Override
    public void close() {
        arena.close();
    }
}
