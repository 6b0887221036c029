package dev.forwardpass.models.decoder;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.TensorData;
import java.util.ArrayList;
import java.util.List;

/**
 * All weights of a model, owned by one backend, found by their row of the family's {@link TensorTable}:
 * {@code weights.get(TOKEN_EMBEDDING)}, {@code weights.layer(l).get(WQ)}. An optional tensor the checkpoint did not
 * hold is null; a tied one is the tensor it is tied to.
 */
public final class Weights implements AutoCloseable {
    private final Tensor[] global;          // by TensorSpec.index; null for block tensors and absent ones
    private final Layer[] layers;
    private final List<Tensor> uploaded;    // each backend tensor once, for close()
    private final long bytes;
    private final long parameters;

    private Weights(Tensor[] global, Layer[] layers, List<Tensor> uploaded, long bytes, long parameters) {
        this.global = global;
        this.layers = layers;
        this.uploaded = uploaded;
        this.bytes = bytes;
        this.parameters = parameters;
    }

    /** The weights of one transformer block. */
    public static final class Layer {
        private final Tensor[] tensors;     // by TensorSpec.index; null for tensors outside the blocks, absent ones

        private Layer(Tensor[] tensors) {
            this.tensors = tensors;
        }

        /** {@return this block's {@code spec}, or null if the model has none} */
        public Tensor get(TensorSpec<?> spec) {
            if (!spec.perLayer()) {
                throw new IllegalArgumentException(spec + " is not a block's tensor");
            }
            return tensors[spec.index()];
        }
    }

    /** {@return {@code spec}, a tensor outside the blocks, or null if the model has none} */
    public Tensor get(TensorSpec<?> spec) {
        if (spec.perLayer()) {
            throw new IllegalArgumentException(spec + " is a block's tensor: ask its layer");
        }
        return global[spec.index()];
    }

    /** {@return the weights of block {@code l}} */
    public Layer layer(int l) {
        return layers[l];
    }

    /** {@return the bytes of all weights as the checkpoint stores them (a tied tensor counted once)} */
    public long bytes() {
        return bytes;
    }

    /** {@return the number of weights (a tied tensor counted once)} */
    public long parameters() {
        return parameters;
    }

    /**
     * Uploads every tensor of {@code checkpoint}'s table that its config has to {@code backend}, checking each shape
     * against the config: the one place a shape is checked for every format. On failure, what was uploaded is
     * released.
     *
     * @throws ModelFormatException naming the tensor that is missing or has the wrong shape
     */
    public static <C extends Record & DecoderConfig> Weights upload(Checkpoint<C> checkpoint, Backend backend)
            throws ModelFormatException {
        C config = checkpoint.config();
        TensorTable<C> table = checkpoint.architecture().tensors();
        Tensor[] global = new Tensor[table.size()];
        Tensor[][] layers = new Tensor[config.nLayers()][table.size()];
        List<Tensor> uploaded = new ArrayList<>();
        long bytes = 0;
        long parameters = 0;
        try {
            for (TensorTable.Entry<C> entry : table.entries(config.nLayers())) {
                TensorSpec<C> spec = entry.spec();
                Tensor[] slots = spec.perLayer() ? layers[entry.layer()] : global;
                if (spec.tiedTo() != null && !checkpoint.has(entry.name())) {
                    slots[spec.index()] = global[spec.tiedTo().index()];
                    continue;
                }
                Presence presence = spec.presence().apply(config);
                if (presence == Presence.ABSENT || (presence == Presence.OPTIONAL && !checkpoint.has(entry.name()))) {
                    continue;
                }
                TensorData data = checkpoint.tensor(entry.name());
                checkShape(checkpoint.source(), entry.name(), data.shape(), spec.shape().apply(config));
                Tensor tensor = backend.upload(data.data(), data.shape(), data.dtype());
                uploaded.add(tensor);
                slots[spec.index()] = tensor;
                bytes += data.data().byteSize();
                parameters += data.shape().size();
            }
        } catch (ModelFormatException | RuntimeException e) {
            uploaded.forEach(Tensor::close);
            throw e;
        }
        Layer[] blocks = new Layer[layers.length];
        for (int l = 0; l < blocks.length; l++) {
            blocks[l] = new Layer(layers[l]);
        }
        return new Weights(global, blocks, List.copyOf(uploaded), bytes, parameters);
    }

    /**
     * Checks that tensor {@code name} of {@code source} has the {@code expected} shape.
     *
     * @throws ModelFormatException saying both shapes, if it does not
     */
    public static void checkShape(String source, String name, Shape found, Shape expected) throws ModelFormatException {
        checkShape(source, name, found, expected, "");
    }

    /** {@link #checkShape(String, String, Shape, Shape)}, with {@code note} after the message (a layout's quirk). */
    public static void checkShape(String source, String name, Shape found, Shape expected, String note)
            throws ModelFormatException {
        if (!found.equals(expected)) {
            throw new ModelFormatException(source, -1, name,
                    "shape " + found + " does not match the config's " + expected + note);
        }
    }

    /** Releases every tensor (a tied one once). */
    @Override
    public void close() {
        uploaded.forEach(Tensor::close);
    }
}
