package dev.forwardpass.models.llama;

import static dev.forwardpass.models.llama.LlamaTensors.ATTN_NORM;
import static dev.forwardpass.models.llama.LlamaTensors.BK;
import static dev.forwardpass.models.llama.LlamaTensors.BQ;
import static dev.forwardpass.models.llama.LlamaTensors.BV;
import static dev.forwardpass.models.llama.LlamaTensors.CLASSIFIER;
import static dev.forwardpass.models.llama.LlamaTensors.FFN_NORM;
import static dev.forwardpass.models.llama.LlamaTensors.FINAL_NORM;
import static dev.forwardpass.models.llama.LlamaTensors.TOKEN_EMBEDDING;
import static dev.forwardpass.models.llama.LlamaTensors.WK;
import static dev.forwardpass.models.llama.LlamaTensors.WO;
import static dev.forwardpass.models.llama.LlamaTensors.WQ;
import static dev.forwardpass.models.llama.LlamaTensors.WV;
import static dev.forwardpass.models.llama.LlamaTensors.W_DOWN;
import static dev.forwardpass.models.llama.LlamaTensors.W_GATE;
import static dev.forwardpass.models.llama.LlamaTensors.W_UP;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.models.decoder.Architecture;
import dev.forwardpass.models.decoder.Checkpoint;
import dev.forwardpass.models.decoder.DecoderModel;
import dev.forwardpass.models.decoder.DecoderState;
import dev.forwardpass.models.decoder.RowPlacement;
import dev.forwardpass.models.decoder.Weights;

/**
 * A Llama-family transformer: RMSNorm, rotary embeddings, grouped-query attention with a KV cache, a SwiGLU
 * feed-forward and a linear classifier. {@link #forward} reads step by step like llama2.c's {@code forward()}.
 */
public final class Llama extends DecoderModel<LlamaConfig> {
    /** The family: Llama 2 and 3, TinyLlama, SmolLM, Mistral, Qwen2, llama2.c's models. */
    public static final Architecture<LlamaConfig> ARCHITECTURE =
            new Architecture<>("llama", LlamaTensors.TABLE, Llama::new);

    private final Rope rope;

    private Llama(Checkpoint<LlamaConfig> checkpoint, Weights weights, Backend backend) {
        super(checkpoint, weights, backend);
        this.rope = config.rope();
    }

    @Override
    protected void forward(DecoderState s, RowPlacement rows) {
        LlamaConfig c = config;
        Weights w = weights;

        // copy the token embeddings into x
        backend.embedding(s.x, w.get(TOKEN_EMBEDDING), s.tokens);

        // forward all the layers
        for (int l = 0; l < c.nLayers(); l++) {
            Weights.Layer layer = w.layer(l);

            // attention rmsnorm
            backend.rmsNorm(s.xb, s.x, layer.get(ATTN_NORM), c.normEps());

            // qkv matmuls for these positions
            backend.matmul(s.q, layer.get(WQ), s.xb, layer.get(BQ));
            backend.matmul(s.k, layer.get(WK), s.xb, layer.get(BK));
            backend.matmul(s.v, layer.get(WV), s.xb, layer.get(BV));

            // RoPE relative positional encoding: rotate each head of q and k by its position's angles
            rows.rope(s.q, rope);
            rows.rope(s.k, rope);

            // store these positions' keys and values in the cache
            rows.store(l, s.k, s.v);

            // multihead attention, each position over positions 0..itself
            rows.attend(l, s.attnOut, s.q);

            // final matmul to get the output of the attention
            backend.matmul(s.xb2, layer.get(WO), s.attnOut);

            // residual connection back into x
            backend.add(s.x, s.x, s.xb2);

            // ffn rmsnorm
            backend.rmsNorm(s.xb, s.x, layer.get(FFN_NORM), c.normEps());

            // SwiGLU feed-forward: wDown(silu(wGate·xb) ⊙ wUp·xb)
            backend.matmul(s.hb, layer.get(W_GATE), s.xb);
            backend.matmul(s.hb2, layer.get(W_UP), s.xb);
            backend.swiglu(s.hb, s.hb, s.hb2);
            backend.matmul(s.xb, layer.get(W_DOWN), s.hb);

            // residual connection
            backend.add(s.x, s.x, s.xb);
        }
    }

    @Override
    protected void classify(Tensor logits, Tensor x) {
        // final rmsnorm
        backend.rmsNorm(x, x, weights.get(FINAL_NORM), config.normEps());

        // classifier into logits
        backend.matmul(logits, weights.get(CLASSIFIER), x);
    }
}
