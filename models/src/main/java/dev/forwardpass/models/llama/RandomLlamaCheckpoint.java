package dev.forwardpass.models.llama;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A freshly initialised ("empty") Llama: the architecture of a config with none of a trained model's knowledge.
 * Matrices and embeddings are drawn from normal(0, 0.02), as GPT-2 and llama2.c's training scripts initialise them;
 * norm weights are ones. Each tensor has its own generator, seeded from the seed and the tensor's name, so a value
 * does not depend on the order in which tensors are asked for.
 */
public final class RandomLlamaCheckpoint implements LlamaCheckpoint {
    /** The standard deviation of the initial weights. */
    public static final double INIT_STD = 0.02;

    private final LlamaConfig config;
    private final boolean sharedClassifier;
    private final long seed;
    private final Arena arena = Arena.ofShared();
    private final Map<String, TensorData> made = new HashMap<>();

    /**
     * @param config the architecture
     * @param sharedClassifier whether the classifier is the embedding table, as in the model this one mirrors
     * @param seed the initialisation's seed
     */
    public RandomLlamaCheckpoint(LlamaConfig config, boolean sharedClassifier, long seed) {
        this.config = config;
        this.sharedClassifier = sharedClassifier;
        this.seed = seed;
    }

    @Override
    public String source() {
        return "random initialisation (seed " + seed + ")";
    }

    @Override
    public LlamaConfig config() {
        return config;
    }

    @Override
    public boolean sharedClassifier() {
        return sharedClassifier;
    }

    @Override
    public synchronized TensorData tensor(String name) throws ModelFormatException {
        TensorData data = made.get(name);
        if (data == null) {
            data = make(name);
            made.put(name, data);
        }
        return data;
    }

    private TensorData make(String name) throws ModelFormatException {
        Shape shape = shapeOf(name);
        MemorySegment segment = arena.allocate(shape.size() * 4, 64);
        boolean isNorm = name.endsWith("norm.weight");
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
        for (long i = 0; i < shape.size(); i++) {
            float value = isNorm ? 1f : (float) (random.nextGaussian() * INIT_STD);
            segment.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, value);
        }
        return new TensorData(name, DType.F32, shape, segment);
    }

    private Shape shapeOf(String name) throws ModelFormatException {
        LlamaConfig c = config;
        String kind = name.startsWith("blk.") ? name.substring(name.indexOf('.', 4) + 1) : name;
        return switch (kind) {
            case "token_embd.weight", "output.weight" -> Shape.of(c.vocabSize(), c.dim());
            case "output_norm.weight", "attn_norm.weight", "ffn_norm.weight" -> Shape.of(c.dim());
            case "attn_q.weight" -> Shape.of(c.qDim(), c.dim());
            case "attn_k.weight", "attn_v.weight" -> Shape.of(c.kvDim(), c.dim());
            case "attn_output.weight" -> Shape.of(c.dim(), c.qDim());
            case "ffn_gate.weight", "ffn_up.weight" -> Shape.of(c.hiddenDim(), c.dim());
            case "ffn_down.weight" -> Shape.of(c.dim(), c.hiddenDim());
            default -> throw new ModelFormatException(source(), -1, name, "no such tensor in a Llama model");
        };
    }

    @Override
    public void close() {
        arena.close();
    }
}
