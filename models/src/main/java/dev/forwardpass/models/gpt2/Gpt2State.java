package dev.forwardpass.models.gpt2;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;

/** The activations of one sequence and its KV cache, allocated once per session (llama2.c's RunState). */
final class Gpt2State implements AutoCloseable {
    final Tensor x;          // (dim,) activation at the current position, the residual stream
    final Tensor xb;         // (dim,) same, inside a residual branch
    final Tensor xb2;        // (dim,) an additional buffer for convenience
    final Tensor q;          // (dim,) query
    final Tensor k;          // (dim,) key of the current position
    final Tensor v;          // (dim,) value of the current position
    final Tensor attnOut;    // (dim,) attention output, all heads
    final Tensor hb;         // (hiddenDim,) buffer for the hidden dimension of the feed-forward
    final Tensor logits;     // (vocabSize,) output logits, on the backend
    final Tensor[] keyCache;   // nLayers × (seqLen, dim)
    final Tensor[] valueCache; // nLayers × (seqLen, dim)
    final int[] token = new int[1];            // the embedding op's input, reused
    final int[] position = new int[1];         // the position embedding's input, reused
    final float[] logitsOut;                   // (vocabSize,) logits copied back to Java, reused

    Gpt2State(Gpt2Config c, Backend backend) {
        x = backend.allocate(Shape.of(c.dim()));
        xb = backend.allocate(Shape.of(c.dim()));
        xb2 = backend.allocate(Shape.of(c.dim()));
        q = backend.allocate(Shape.of(c.dim()));
        k = backend.allocate(Shape.of(c.dim()));
        v = backend.allocate(Shape.of(c.dim()));
        attnOut = backend.allocate(Shape.of(c.dim()));
        hb = backend.allocate(Shape.of(c.hiddenDim()));
        logits = backend.allocate(Shape.of(c.vocabSize()));
        keyCache = new Tensor[c.nLayers()];
        valueCache = new Tensor[c.nLayers()];
        for (int l = 0; l < c.nLayers(); l++) {
            keyCache[l] = backend.allocate(Shape.of(c.seqLen(), c.dim()));
            valueCache[l] = backend.allocate(Shape.of(c.seqLen(), c.dim()));
        }
        logitsOut = new float[c.vocabSize()];
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {x, xb, xb2, q, k, v, attnOut, hb, logits}) {
            t.close();
        }
        for (int l = 0; l < keyCache.length; l++) {
            keyCache[l].close();
            valueCache[l].close();
        }
    }
}
