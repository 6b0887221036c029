package dev.forwardpass.models.decoder;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A freshly initialised ("empty") model: the architecture and config of a trained one with none of its knowledge.
 * Weights are initialised as training scripts do (GPT-2, nanoGPT, llama2.c's model.py): matrices and embeddings from
 * normal(0, 0.02), norm weights 1, biases 0. Each tensor has its own generator, seeded from the seed and the tensor's
 * name, so a value does not depend on the order in which tensors are asked for. The memory is owned by this object
 * and released by {@link #close()}.
 */
public final class RandomCheckpoint<C extends Record & DecoderConfig> implements Checkpoint<C> {
    /** The standard deviation of the initial matrices and embeddings. */
    public static final double INIT_STD = 0.02;

    private final Architecture<C> architecture;
    private final C config;
    private final Map<String, Shape> shapes; // the tensors this model has, by name
    private final long seed;
    private final Arena arena = Arena.ofShared();
    private final Map<String, TensorData> made = new HashMap<>();

    private RandomCheckpoint(Architecture<C> architecture, C config, Map<String, Shape> shapes, long seed) {
        this.architecture = architecture;
        this.config = config;
        this.shapes = shapes;
        this.seed = seed;
    }

    /**
     * {@return an empty twin of {@code trained}}: its architecture and config, and exactly the tensors it holds (a tied
     * classifier stays tied, optional biases stay or stay out). {@code trained} may be closed afterwards.
     */
    public static <C extends Record & DecoderConfig> RandomCheckpoint<C> like(Checkpoint<C> trained, long seed) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (TensorTable.Entry<C> entry : trained.architecture().tensors().entries(trained.config().nLayers())) {
            if (trained.has(entry.name())) {
                shapes.put(entry.name(), entry.spec().shape().apply(trained.config()));
            }
        }
        return new RandomCheckpoint<>(trained.architecture(), trained.config(), shapes, seed);
    }

    /**
     * {@return a model of {@code config} with every required tensor, none of the optional ones, and tied tensors tied
     * (the classifier is the token embedding)}
     */
    public static <C extends Record & DecoderConfig> RandomCheckpoint<C> of(Architecture<C> architecture, C config,
            long seed) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (TensorTable.Entry<C> entry : architecture.tensors().entries(config.nLayers())) {
            TensorSpec<C> spec = entry.spec();
            if (spec.tiedTo() == null && spec.presence().apply(config) == Presence.REQUIRED) {
                shapes.put(entry.name(), spec.shape().apply(config));
            }
        }
        return new RandomCheckpoint<>(architecture, config, shapes, seed);
    }

    /** {@return the seed} */
    public long seed() {
        return seed;
    }

    @Override
    public String source() {
        return "random initialisation (seed " + seed + ")";
    }

    @Override
    public Architecture<C> architecture() {
        return architecture;
    }

    @Override
    public C config() {
        return config;
    }

    @Override
    public boolean has(String name) {
        return shapes.containsKey(name);
    }

    /** {@return the F32 tensor {@code name}, initialised by its name's role (made once)} */
    @Override
    public synchronized TensorData tensor(String name) throws ModelFormatException {
        TensorData data = made.get(name);
        if (data == null) {
            Shape shape = shapes.get(name);
            if (shape == null) {
                throw new ModelFormatException(source(), -1, name, "no such tensor in this " + architecture.name()
                        + " model");
            }
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
