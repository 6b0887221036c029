package dev.forwardpass.models.gpt2;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;

/**
 * The activations for a batch of {@code rows} consecutive tokens (llama2.c's RunState, one row per token): one row
 * when decoding, a whole prompt chunk when prefilling. Allocated once and reused.
 */
final class Gpt2State implements AutoCloseable {
    final int rows;
    final Tensor x;          // (rows, dim) activation at the current positions, the residual stream
    final Tensor xb;         // (rows, dim) same, inside a residual branch
    final Tensor xb2;        // (rows, dim) an additional buffer for convenience
    final Tensor q;          // (rows, dim) queries
    final Tensor k;          // (rows, dim) keys of the current positions
    final Tensor v;          // (rows, dim) values of the current positions
    final Tensor attnOut;    // (rows, dim) attention output, all heads
    final Tensor hb;         // (rows, hiddenDim) buffer for the hidden dimension of the feed-forward
    final Tensor logits;     // (rows, vocabSize) output logits, on the backend
    final int[] tokens;      // (rows,) the tokens being run
    final int[] positions;   // (rows,) their positions: the position embedding's input
    final float[] logitsOut; // (rows * vocabSize,) logits copied back to Java

    Gpt2State(Gpt2Config c, Backend backend, int rows) {
        this.rows = rows;
        x = backend.allocate(Shape.of(rows, c.dim()));
        xb = backend.allocate(Shape.of(rows, c.dim()));
        xb2 = backend.allocate(Shape.of(rows, c.dim()));
        q = backend.allocate(Shape.of(rows, c.dim()));
        k = backend.allocate(Shape.of(rows, c.dim()));
        v = backend.allocate(Shape.of(rows, c.dim()));
        attnOut = backend.allocate(Shape.of(rows, c.dim()));
        hb = backend.allocate(Shape.of(rows, c.hiddenDim()));
        logits = backend.allocate(Shape.of(rows, c.vocabSize()));
        tokens = new int[rows];
        positions = new int[rows];
        logitsOut = new float[Math.multiplyExact(rows, c.vocabSize())];
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {x, xb, xb2, q, k, v, attnOut, hb, logits}) {
            t.close();
        }
    }
}
