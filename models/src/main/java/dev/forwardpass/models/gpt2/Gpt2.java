package dev.forwardpass.models.gpt2;

import static dev.forwardpass.models.gpt2.Gpt2Tensors.ATTN_NORM;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.ATTN_NORM_BIAS;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.BK;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.BO;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.BQ;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.BV;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.B_DOWN;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.B_UP;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.CLASSIFIER;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.FFN_NORM;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.FFN_NORM_BIAS;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.FINAL_NORM;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.FINAL_NORM_BIAS;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.POSITION_EMBEDDING;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.TOKEN_EMBEDDING;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.WK;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.WO;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.WQ;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.WV;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.W_DOWN;
import static dev.forwardpass.models.gpt2.Gpt2Tensors.W_UP;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.models.decoder.Architecture;
import dev.forwardpass.models.decoder.Checkpoint;
import dev.forwardpass.models.decoder.DecoderModel;
import dev.forwardpass.models.decoder.DecoderState;
import dev.forwardpass.models.decoder.RowPlacement;
import dev.forwardpass.models.decoder.Weights;

/**
 * GPT-2: token plus learned position embedding, then per block {@code x += attn(ln_1(x)); x += mlp(ln_2(x))}
 * (nanoGPT's {@code Block}), then a final LayerNorm and the classifier. {@link #forward} reads step by step like
 * llama2.c's {@code forward()}, with LayerNorm for RMSNorm, biases on every linear layer, GELU for SwiGLU and no
 * rotary embedding.
 */
public final class Gpt2 extends DecoderModel<Gpt2Config> {
    /** The family: OpenAI's GPT-2 and the checkpoints of its shape. */
    public static final Architecture<Gpt2Config> ARCHITECTURE =
            new Architecture<>("gpt2", Gpt2Tensors.TABLE, Gpt2::new);

    private Gpt2(Checkpoint<Gpt2Config> checkpoint, Weights weights, Backend backend) {
        super(checkpoint, weights, backend);
    }

    @Override
    protected void forward(DecoderState s, RowPlacement rows) {
        Gpt2Config c = config;
        Weights w = weights;

        // token embeddings plus the learned embeddings of these positions
        backend.embedding(s.x, w.get(TOKEN_EMBEDDING), s.tokens);
        backend.embedding(s.xb, w.get(POSITION_EMBEDDING), s.positions);
        backend.add(s.x, s.x, s.xb);

        // forward all the layers
        for (int l = 0; l < c.nLayers(); l++) {
            Weights.Layer layer = w.layer(l);

            // attention layernorm (ln_1)
            backend.layerNorm(s.xb, s.x, layer.get(ATTN_NORM), layer.get(ATTN_NORM_BIAS), c.normEps());

            // qkv matmuls for these positions (c_attn, split at load)
            backend.matmul(s.q, layer.get(WQ), s.xb, layer.get(BQ));
            backend.matmul(s.k, layer.get(WK), s.xb, layer.get(BK));
            backend.matmul(s.v, layer.get(WV), s.xb, layer.get(BV));

            // store these positions' keys and values in the cache
            rows.store(l, s.k, s.v);

            // multihead attention, each position over positions 0..itself
            rows.attend(l, s.attnOut, s.q);

            // final matmul to get the output of the attention (c_proj)
            backend.matmul(s.xb2, layer.get(WO), s.attnOut, layer.get(BO));

            // residual connection back into x
            backend.add(s.x, s.x, s.xb2);

            // ffn layernorm (ln_2)
            backend.layerNorm(s.xb, s.x, layer.get(FFN_NORM), layer.get(FFN_NORM_BIAS), c.normEps());

            // MLP: c_proj(gelu(c_fc(xb)))
            backend.matmul(s.hb, layer.get(W_UP), s.xb, layer.get(B_UP));
            backend.gelu(s.hb, s.hb);
            backend.matmul(s.xb, layer.get(W_DOWN), s.hb, layer.get(B_DOWN));

            // residual connection
            backend.add(s.x, s.x, s.xb);
        }
    }

    @Override
    protected void classify(Tensor logits, Tensor x) {
        // final layernorm (ln_f)
        backend.layerNorm(x, x, weights.get(FINAL_NORM), weights.get(FINAL_NORM_BIAS), config.normEps());

        // classifier into logits
        backend.matmul(logits, weights.get(CLASSIFIER), x);
    }
}
