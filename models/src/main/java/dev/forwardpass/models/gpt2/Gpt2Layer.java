package dev.forwardpass.models.gpt2;

import dev.forwardpass.api.Tensor;

/**
 * The weights of one GPT-2 block (nanoGPT's {@code Block}). Linear weights are {@code [out, in]}.
 *
 * @param attnNorm (dim,) LayerNorm weight before attention; HF ln_1.weight
 * @param attnNormBias (dim,) its bias; HF ln_1.bias
 * @param wq (dim, dim) query projection; the first third of HF attn.c_attn
 * @param bq (dim,) query bias
 * @param wk (dim, dim) key projection; the second third of c_attn
 * @param bk (dim,) key bias
 * @param wv (dim, dim) value projection; the last third of c_attn
 * @param bv (dim,) value bias
 * @param wo (dim, dim) attention output projection; HF attn.c_proj
 * @param bo (dim,) its bias
 * @param ffnNorm (dim,) LayerNorm weight before the feed-forward; HF ln_2.weight
 * @param ffnNormBias (dim,) its bias
 * @param wUp (hiddenDim, dim) feed-forward expansion; HF mlp.c_fc, GGUF ffn_up
 * @param bUp (hiddenDim,) its bias
 * @param wDown (dim, hiddenDim) feed-forward projection back; HF mlp.c_proj, GGUF ffn_down
 * @param bDown (dim,) its bias
 */
public record Gpt2Layer(
        Tensor attnNorm, Tensor attnNormBias,
        Tensor wq, Tensor bq, Tensor wk, Tensor bk, Tensor wv, Tensor bv, Tensor wo, Tensor bo,
        Tensor ffnNorm, Tensor ffnNormBias,
        Tensor wUp, Tensor bUp, Tensor wDown, Tensor bDown) {

    void close() {
        for (Tensor t : new Tensor[] {attnNorm, attnNormBias, wq, bq, wk, bk, wv, bv, wo, bo, ffnNorm, ffnNormBias,
                wUp, bUp, wDown, bDown}) {
            t.close();
        }
    }
}
