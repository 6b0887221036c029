package dev.forwardpass.models.decoder;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;

/**
 * The activations for a batch of {@code rows} tokens (llama2.c's RunState, one row per token): one row when decoding
 * a session, a whole prompt chunk when prefilling, one row per session in a batched decode step. Allocated once and
 * reused (a prompt chunk's, once per chunk; a batched step's, once per batch size). Every decoder-only family runs on
 * these buffers; a family uses those its forward pass needs.
 */
public final class DecoderState implements AutoCloseable {
    public final int rows;
    public final Tensor x;          // (rows, dim) activation at the current positions, the residual stream
    public final Tensor xb;         // (rows, dim) same, inside a residual branch
    public final Tensor xb2;        // (rows, dim) an additional buffer for convenience
    public final Tensor q;          // (rows, qDim) queries
    public final Tensor k;          // (rows, kvDim) keys of the current positions
    public final Tensor v;          // (rows, kvDim) values of the current positions
    public final Tensor attnOut;    // (rows, qDim) attention output, all heads
    public final Tensor hb;         // (rows, hiddenDim) buffer for the hidden dimension of the feed-forward
    public final Tensor hb2;        // (rows, hiddenDim) same
    public final int[] tokens;      // (rows,) the tokens being run
    public final int[] positions;   // (rows,) their positions
    final LogitRows logitRows;      // which rows go on to the classifier
    final Tensor xLast;             // (1, dim) the last row of x alone, when only its logits are wanted; else null
    final Tensor logits;            // (rows, vocabSize), (1, vocabSize) for the last row alone, or null
    final float[] logitsOut;        // logits copied back to Java, as many as logits holds

    DecoderState(DecoderConfig c, Backend backend, int rows, LogitRows logitRows) {
        this.rows = rows;
        this.logitRows = logitRows;
        x = backend.allocate(Shape.of(rows, c.dim()));
        xb = backend.allocate(Shape.of(rows, c.dim()));
        xb2 = backend.allocate(Shape.of(rows, c.dim()));
        q = backend.allocate(Shape.of(rows, c.qDim()));
        k = backend.allocate(Shape.of(rows, c.kvDim()));
        v = backend.allocate(Shape.of(rows, c.kvDim()));
        attnOut = backend.allocate(Shape.of(rows, c.qDim()));
        hb = backend.allocate(Shape.of(rows, c.hiddenDim()));
        hb2 = backend.allocate(Shape.of(rows, c.hiddenDim()));
        tokens = new int[rows];
        positions = new int[rows];
        int logitCount = logitRows.count(rows);
        xLast = logitRows == LogitRows.LAST_ROW ? backend.allocate(Shape.of(1, c.dim())) : null;
        logits = logitCount == 0 ? null : backend.allocate(Shape.of(logitCount, c.vocabSize()));
        logitsOut = new float[Math.multiplyExact(logitCount, c.vocabSize())];
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {x, xb, xb2, q, k, v, attnOut, hb, hb2, logits, xLast}) {
            if (t != null) {
                t.close();
            }
        }
    }
}
