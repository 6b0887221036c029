package dev.forwardpass.models.llama;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;

/** The keys and values of every position seen so far, per layer: the memory of one sequence. */
final class KvCache implements AutoCloseable {
    final Tensor[] keys;   // nLayers × (seqLen, kvDim)
    final Tensor[] values; // nLayers × (seqLen, kvDim)

    KvCache(LlamaConfig c, Backend backend) {
        keys = new Tensor[c.nLayers()];
        values = new Tensor[c.nLayers()];
        for (int l = 0; l < c.nLayers(); l++) {
            keys[l] = backend.allocate(Shape.of(c.seqLen(), c.kvDim()));
            values[l] = backend.allocate(Shape.of(c.seqLen(), c.kvDim()));
        }
    }

    @Override
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            keys[l].close();
            values[l].close();
        }
    }
}
