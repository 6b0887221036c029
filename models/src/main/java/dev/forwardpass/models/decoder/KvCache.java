package dev.forwardpass.models.decoder;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;

/** The keys and values of every position seen so far, per layer: the memory of one sequence. */
public final class KvCache implements AutoCloseable {
    private final Tensor[] keys;   // nLayers × (seqLen, kvDim)
    private final Tensor[] values; // nLayers × (seqLen, kvDim)

    /** Allocates {@code nLayers} key and value tensors of {@code (seqLen, kvDim)} on {@code backend}. */
    public KvCache(Backend backend, int nLayers, int seqLen, int kvDim) {
        keys = new Tensor[nLayers];
        values = new Tensor[nLayers];
        for (int l = 0; l < nLayers; l++) {
            keys[l] = backend.allocate(Shape.of(seqLen, kvDim));
            values[l] = backend.allocate(Shape.of(seqLen, kvDim));
        }
    }

    /** {@return layer {@code l}'s keys, (seqLen, kvDim)} */
    public Tensor keys(int l) {
        return keys[l];
    }

    /** {@return layer {@code l}'s values, (seqLen, kvDim)} */
    public Tensor values(int l) {
        return values[l];
    }

    @Override
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            keys[l].close();
            values[l].close();
        }
    }
}
