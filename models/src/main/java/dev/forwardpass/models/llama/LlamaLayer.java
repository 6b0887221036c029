package dev.forwardpass.models.llama;

import dev.forwardpass.api.Tensor;

/**
 * The weights of one transformer block. Linear weights are {@code [out, in]}.
 *
 * @param attnNorm (dim,) RMSNorm weight before attention; llama2.c rms_att_weight, GGUF attn_norm
 * @param wq (qDim, dim) query projection
 * @param wk (kvDim, dim) key projection
 * @param wv (kvDim, dim) value projection
 * @param wo (dim, qDim) attention output projection
 * @param ffnNorm (dim,) RMSNorm weight before the feed-forward; llama2.c rms_ffn_weight, GGUF ffn_norm
 * @param wGate (hiddenDim, dim) llama2.c w1, HF gate_proj, GGUF ffn_gate
 * @param wUp (hiddenDim, dim) llama2.c w3, HF up_proj, GGUF ffn_up
 * @param wDown (dim, hiddenDim) llama2.c w2, HF down_proj, GGUF ffn_down
 * @param bq (qDim,) query bias, or null for none (only Qwen2 has q/k/v biases)
 * @param bk (kvDim,) key bias, or null
 * @param bv (kvDim,) value bias, or null
 */
public record LlamaLayer(
        Tensor attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
        Tensor ffnNorm, Tensor wGate, Tensor wUp, Tensor wDown,
        Tensor bq, Tensor bk, Tensor bv) {

    /** A layer without q/k/v biases. */
    public LlamaLayer(Tensor attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
            Tensor ffnNorm, Tensor wGate, Tensor wUp, Tensor wDown) {
        this(attnNorm, wq, wk, wv, wo, ffnNorm, wGate, wUp, wDown, null, null, null);
    }

    void close() {
        for (Tensor t : new Tensor[] {attnNorm, wq, wk, wv, wo, ffnNorm, wGate, wUp, wDown, bq, bk, bv}) {
            if (t != null) {
                t.close();
            }
        }
    }
}
