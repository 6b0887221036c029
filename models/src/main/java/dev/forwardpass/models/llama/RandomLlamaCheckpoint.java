package dev.forwardpass.models.llama;

import dev.forwardpass.api.Shape;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.RandomTensors;
import dev.forwardpass.models.format.TensorData;

/**
 * A freshly initialised ("empty") Llama: the architecture of a config with none of a trained model's knowledge
 * (see {@link RandomTensors} for the initialisation).
 */
public final class RandomLlamaCheckpoint implements LlamaCheckpoint {
    private final LlamaConfig config;
    private final boolean sharedClassifier;
    private final RandomTensors tensors;

    /**
     * @param config the architecture
     * @param sharedClassifier whether the classifier is the embedding table, as in the model this one mirrors
     * @param seed the initialisation's seed
     */
    public RandomLlamaCheckpoint(LlamaConfig config, boolean sharedClassifier, long seed) {
        this.config = config;
        this.sharedClassifier = sharedClassifier;
        this.tensors = new RandomTensors(seed);
    }

    @Override
    public String source() {
        return "random initialisation (seed " + tensors.seed() + ")";
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
    public TensorData tensor(String name) throws ModelFormatException {
        return tensors.tensor(name, shapeOf(name));
    }

    private Shape shapeOf(String name) throws ModelFormatException {
        LlamaConfig c = config;
        String kind = name.startsWith("blk.") ? name.substring(name.indexOf('.', 4) + 1) : name;
        return switch (kind) {
            case "token_embd.weight", "output.weight" -> Shape.of(c.vocabSize(), c.dim());
            case "output_norm.weight", "attn_norm.weight", "ffn_norm.weight" -> Shape.of(c.dim());
            case "attn_q.weight" -> Shape.of(c.qDim(), c.dim());
            case "attn_k.weight", "attn_v.weight" -> Shape.of(c.kvDim(), c.dim());
            case "attn_q.bias" -> Shape.of(c.qDim());
            case "attn_k.bias", "attn_v.bias" -> Shape.of(c.kvDim());
            case "attn_output.weight" -> Shape.of(c.dim(), c.qDim());
            case "ffn_gate.weight", "ffn_up.weight" -> Shape.of(c.hiddenDim(), c.dim());
            case "ffn_down.weight" -> Shape.of(c.dim(), c.hiddenDim());
            default -> throw new ModelFormatException(source(), -1, name, "no such tensor in a Llama model");
        };
    }

    @Override
    public void close() {
        tensors.close();
    }
}
