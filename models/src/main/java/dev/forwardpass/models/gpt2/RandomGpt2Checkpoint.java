package dev.forwardpass.models.gpt2;

import dev.forwardpass.api.Shape;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.RandomTensors;
import dev.forwardpass.models.format.TensorData;

/**
 * A freshly initialised ("empty") GPT-2: the architecture of a config with none of a trained model's knowledge
 * (see {@link RandomTensors} for the initialisation: LayerNorm weights 1, biases 0, the rest normal(0, 0.02)).
 */
public final class RandomGpt2Checkpoint implements Gpt2Checkpoint {
    private final Gpt2Config config;
    private final boolean sharedClassifier;
    private final RandomTensors tensors;

    /**
     * @param config the architecture
     * @param sharedClassifier whether the classifier is the embedding table, as in the model this one mirrors
     * @param seed the initialisation's seed
     */
    public RandomGpt2Checkpoint(Gpt2Config config, boolean sharedClassifier, long seed) {
        this.config = config;
        this.sharedClassifier = sharedClassifier;
        this.tensors = new RandomTensors(seed);
    }

    @Override
    public String source() {
        return "random initialisation (seed " + tensors.seed() + ")";
    }

    @Override
    public Gpt2Config config() {
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
        Gpt2Config c = config;
        String kind = name.startsWith("blk.") ? name.substring(name.indexOf('.', 4) + 1) : name;
        return switch (kind) {
            case "token_embd.weight", "output.weight" -> Shape.of(c.vocabSize(), c.dim());
            case "position_embd.weight" -> Shape.of(c.seqLen(), c.dim());
            case "attn_norm.weight", "attn_norm.bias", "ffn_norm.weight", "ffn_norm.bias", "output_norm.weight",
                    "output_norm.bias", "attn_q.bias", "attn_k.bias", "attn_v.bias", "attn_output.bias",
                    "ffn_down.bias" -> Shape.of(c.dim());
            case "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight" -> Shape.of(c.dim(), c.dim());
            case "ffn_up.weight" -> Shape.of(c.hiddenDim(), c.dim());
            case "ffn_up.bias" -> Shape.of(c.hiddenDim());
            case "ffn_down.weight" -> Shape.of(c.dim(), c.hiddenDim());
            default -> throw new ModelFormatException(source(), -1, name, "no such tensor in a GPT-2 model");
        };
    }

    @Override
    public void close() {
        tensors.close();
    }
}
