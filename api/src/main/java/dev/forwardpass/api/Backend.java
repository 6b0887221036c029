package dev.forwardpass.api;

import java.lang.foreign.MemorySegment;

/**
 * The Transformer ops, implemented once per backend. A model is written against this interface only.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>Outputs come first, like BLAS and llama2.c: {@code rmsNorm(out, x, weight, eps)}.
 *   <li>Activations are {@link DType#F32}. Weights (the {@code w}, {@code table}, {@code weight}, {@code bias}
 *       arguments) may be any {@link DType} the backend {@link #supports}.
 *   <li>Row-wise ops accept a vector {@code [n]} or a batch of rows {@code [B, n]}; a batch row {@code b} is
 *       processed as its own vector. Position-dependent ops ({@link #rope}, {@link #attention}) give row {@code b}
 *       the position {@code pos + b}, so a prompt can be processed as one batch; their forms with
 *       {@code int[] positions} give row {@code b} the position {@code positions[b]} (and attention a KV cache per
 *       row), so that the next tokens of several sequences can be processed as one batch.
 *   <li>Unless an op says otherwise, {@code out} may be the same tensor as an input (the op is then in place).
 *   <li>No op allocates memory that outlives it; per-token calls should allocate nothing at all.
 *   <li>Every op checks its arguments as {@link dev.forwardpass.api.spi.OpChecks} words it, so every backend rejects the same calls with
 *       the same message.
 * </ul>
 *
 * <h2>Threads</h2>
 * A backend may be called from any thread, but by one thread at a time: calls to one backend, including the use of
 * its tensors and {@link #close()}, must not overlap, and each must happen-before the next (as handing the backend
 * over through a lock, a queue or {@link Thread#join()} ensures). A caller that shares a backend between threads
 * serialises its calls on the backend's own monitor ({@code synchronized (backend)}), the lock the models' sessions
 * take turns on, so that every user of one backend shares one lock. An implementation may allow more, and says so in
 * its own documentation; nothing written against this interface may count on it.
 */
public interface Backend extends AutoCloseable {

    /** {@return the name this backend is found by, e.g. {@code "java"}} */
    String name();

    /** {@return how many threads this backend computes with} */
    int threads();

    /**
     * {@return whether {@link #upload} accepts weights of {@code dtype}} (the {@code w} of {@link #matmul}, the
     * {@code table} of {@link #embedding}, norm weights and biases). Activations are always {@link DType#F32}.
     */
    boolean supports(DType dtype);

    // ----------------------------------------------------------------------------------------------------------
    // memory

    /** {@return a new zero-filled F32 tensor} */
    Tensor allocate(Shape shape);

    /**
     * {@return a tensor holding {@code data}, little-endian elements of {@code dtype} laid out row-major in
     * {@code shape}}. A backend may keep a view of {@code data} instead of copying it (the pure-Java backend does
     * for F32), so the caller keeps {@code data} alive and unchanged for the tensor's lifetime.
     *
     * @throws IllegalArgumentException if {@code data.byteSize()} does not match the shape and dtype, or the backend
     *     does not support the dtype
     */
    Tensor upload(MemorySegment data, Shape shape, DType dtype);

    /** Copies the F32 values of {@code src} into {@code dst}, which must have exactly {@code src}'s size. */
    void copyTo(Tensor src, float[] dst);

    /**
     * Copies {@code rows} rows of {@code src}, from row {@code srcRow} on, into {@code dst} from row {@code dstRow}
     * on; {@code src} and {@code dst} are {@code [n]} (one row) or {@code [R, n]}. How keys and values enter a KV cache
     * ({@code copyRows(cache, pos, k, 0, B)}) and how the last position of a prompt is taken alone to the classifier
     * ({@code copyRows(last, 0, x, B - 1, 1)}).
     */
    void copyRows(Tensor dst, int dstRow, Tensor src, int srcRow, int rows);

    // ----------------------------------------------------------------------------------------------------------
    // ops

    /** {@code out[b, :] = table[tokens[b], :]}; {@code out} is {@code [dim]} (one token) or {@code [B, dim]}. */
    void embedding(Tensor out, Tensor table, int[] tokens);

    /**
     * Linear layer: {@code out[b, :] = w · x[b, :] + bias}, with {@code w} of shape {@code [d, n]} (one output per
     * row of {@code w}), {@code x} {@code [n]} or {@code [B, n]}, {@code out} {@code [d]} or {@code [B, d]}.
     * {@code out} must not be {@code x}.
     *
     * @param bias {@code [d]}, or null for none
     */
    void matmul(Tensor out, Tensor w, Tensor x, Tensor bias);

    /** {@code matmul(out, w, x, null)}. */
    default void matmul(Tensor out, Tensor w, Tensor x) {
        matmul(out, w, x, null);
    }

    /** RMSNorm of every row: {@code out = x / sqrt(mean(x²) + eps) ⊙ weight}. */
    void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps);

    /** LayerNorm of every row: {@code out = (x - mean(x)) / sqrt(var(x) + eps) ⊙ weight + bias}. */
    void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps);

    /**
     * Rotates, in place, every head of {@code x} ({@code [nHeads * headSize]} or {@code [B, nHeads * headSize]})
     * for position {@code pos} (row {@code b}: {@code pos + b}).
     */
    void rope(Tensor x, int pos, Rope rope);

    /**
     * Causal self-attention over a KV cache: for each query row {@code b} (position {@code p = pos + b}) and head
     * {@code h}, {@code out[b, h] = Σ_{t ≤ p} softmax_t(q[b, h] · keys[t, h'] / sqrt(headSize)) values[t, h']}
     * where {@code h'} is the key/value head of {@code h}. {@code q} and {@code out} are {@code [queryDim]} or
     * {@code [B, queryDim]}; {@code keys} and {@code values} are {@code [seqLen, kvDim]} and hold rows
     * {@code 0..pos+B-1}. {@code out} must not be {@code q}.
     */
    void attention(Tensor out, Tensor q, Tensor keys, Tensor values, int pos, AttentionShape heads);

    /**
     * Rotates, in place, every head of row {@code b} of {@code x} ({@code [B, nHeads * headSize]}, or
     * {@code [nHeads * headSize]} for one row) for position {@code positions[b]}, one position per row: the rows of a
     * decode step of several sequences, each at its own position.
     */
    void rope(Tensor x, int[] positions, Rope rope);

    /**
     * Attention of rows from different sequences, each over its own KV cache: query row {@code b} attends, as in
     * {@link #attention(Tensor, Tensor, Tensor, Tensor, int, AttentionShape)}, over positions
     * {@code 0..positions[b]} of {@code keys[b]} and {@code values[b]} ({@code [seqLen, kvDim]}; the caches of
     * different rows may differ in length). {@code q} and {@code out} are {@code [B, queryDim]}, or
     * {@code [queryDim]} for one row, and {@code keys}, {@code values} and {@code positions} have one element per row.
     * {@code out} must not be {@code q}. The arrays are read during the call only.
     */
    void attention(Tensor out, Tensor q, Tensor[] keys, Tensor[] values, int[] positions, AttentionShape heads);

    /** GELU, tanh approximation: {@code out = 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³)))}, elementwise. */
    void gelu(Tensor out, Tensor x);

    /** SwiGLU's gate: {@code out = silu(gate) ⊙ up}, elementwise, where {@code silu(x) = x · sigmoid(x)}. */
    void swiglu(Tensor out, Tensor gate, Tensor up);

    /** {@code out = a + b}, elementwise; {@code b} may also be one row {@code [n]} added to every row of {@code a}. */
    void add(Tensor out, Tensor a, Tensor b);

    /** Releases the backend's threads and memory; tensors it created must not be used afterwards. */
    @Override
    void close();
}
