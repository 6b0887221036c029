package dev.forwardpass.models.llama;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;

/** The activations of one sequence and its KV cache, allocated once per session (llama2.c's RunState). */
final class LlamaState implements AutoCloseable {
    final Tensor x;          // (dim,) activation at the current position, the residual stream
    final Tensor xb;         // (dim,) same, inside a residual branch
    final Tensor xb2;        // (dim,) an additional buffer for convenience
    final Tensor q;          // (qDim,) query
    final Tensor k;          // (kvDim,) key of the current position
    final Tensor v;          // (kvDim,) value of the current position
    final Tensor attnOut;    // (qDim,) attention output, all heads
    final Tensor hb;         // (hiddenDim,) buffer for the hidden dimension of the feed-forward
    final Tensor hb2;        // (hiddenDim,) same
    final Tensor logits;     // (vocabSize,) output logits, on the backend
    final Tensor[] keyCache;   // nLayers × (seqLen, kvDim)
    final Tensor[] valueCache; // nLayers × (seqLen, kvDim)
    final int[] token = new int[1];            // the embedding op's input, reused
    final float[] logitsOut;                   // (vocabSize,) logits copied back to Java, reused

    LlamaState(LlamaConfig c, Backend backend) {
        x = backend.allocate(Shape.of(c.dim()));
        xb = backend.allocate(Shape.of(c.dim()));
        xb2 = backend.allocate(Shape.of(c.dim()));
        q = backend.allocate(Shape.of(c.qDim()));
        k = backend.allocate(Shape.of(c.kvDim()));
        v = backend.allocate(Shape.of(c.kvDim()));
        attnOut = backend.allocate(Shape.of(c.qDim()));
        hb = backend.allocate(Shape.of(c.hiddenDim()));
        hb2 = backend.allocate(Shape.of(c.hiddenDim()));
        logits = backend.allocate(Shape.of(c.vocabSize()));
        keyCache = new Tensor[c.nLayers()];
        valueCache = new Tensor[c.nLayers()];
        for (int l = 0; l < c.nLayers(); l++) {
            keyCache[l] = backend.allocate(Shape.of(c.seqLen(), c.kvDim()));
            valueCache[l] = backend.allocate(Shape.of(c.seqLen(), c.kvDim()));
        }
        logitsOut = new float[c.vocabSize()];
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {x, xb, xb2, q, k, v, attnOut, hb, hb2, logits}) {
            t.close();
        }
        for (int l = 0; l < keyCache.length; l++) {
            keyCache[l].close();
            valueCache[l].close();
        }
    }
}
