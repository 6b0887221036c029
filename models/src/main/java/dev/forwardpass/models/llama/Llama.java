package dev.forwardpass.models.llama;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Rope;
import dev.forwardpass.models.LanguageModel;
import dev.forwardpass.models.format.ModelFormatException;

/**
 * A Llama-family transformer: RMSNorm, rotary embeddings, grouped-query attention with a KV cache, a SwiGLU
 * feed-forward and a linear classifier. {@link #forward} reads step by step like llama2.c's {@code forward()}.
 */
public final class Llama implements LanguageModel {
    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final Backend backend;
    private final Rope rope;
    private final AttentionShape heads;
    private final LlamaCheckpoint checkpoint;
    private final long parameterCount;

    private Llama(LlamaConfig config, LlamaWeights weights, Backend backend, LlamaCheckpoint checkpoint,
            long parameterCount) {
        this.config = config;
        this.weights = weights;
        this.backend = backend;
        this.rope = config.rope();
        this.heads = config.attentionShape();
        this.checkpoint = checkpoint;
        this.parameterCount = parameterCount;
    }

    /**
     * Uploads the weights of {@code checkpoint} to {@code backend}. The model takes ownership of the checkpoint
     * (a backend may keep views of its mapped memory) and closes it with itself, or here if loading fails.
     */
    public static Llama load(LlamaCheckpoint checkpoint, Backend backend) throws ModelFormatException {
        try {
            LlamaWeights weights = LlamaWeights.upload(checkpoint, backend);
            return new Llama(checkpoint.config(), weights, backend, checkpoint, countParameters(checkpoint.config(),
                    checkpoint.sharedClassifier()));
        } catch (ModelFormatException | RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    private static long countParameters(LlamaConfig c, boolean sharedClassifier) {
        long perLayer = 2L * c.dim() + 2L * c.dim() * c.qDim() + 2L * c.dim() * c.kvDim() + 3L * c.dim() * c.hiddenDim()
                + (c.qkvBias() ? c.qDim() + 2L * c.kvDim() : 0);
        long embedding = (long) c.vocabSize() * c.dim();
        return perLayer * c.nLayers() + embedding + c.dim() + (sharedClassifier ? 0 : embedding);
    }

    /** One forward step: writes the logits of the token after {@code token} at {@code pos} into {@code s.logits}. */
    void forward(LlamaState s, int token, int pos) {
        LlamaConfig c = config;
        LlamaWeights w = weights;

        // copy the token embedding into x
        s.token[0] = token;
        backend.embedding(s.x, w.tokenEmbedding(), s.token);

        // forward all the layers
        for (int l = 0; l < c.nLayers(); l++) {
            LlamaLayer layer = w.layers().get(l);

            // attention rmsnorm
            backend.rmsNorm(s.xb, s.x, layer.attnNorm(), c.normEps());

            // qkv matmuls for this position
            backend.matmul(s.q, layer.wq(), s.xb, layer.bq());
            backend.matmul(s.k, layer.wk(), s.xb, layer.bk());
            backend.matmul(s.v, layer.wv(), s.xb, layer.bv());

            // RoPE relative positional encoding: rotate each head of q and k by the position's angles
            backend.rope(s.q, pos, rope);
            backend.rope(s.k, pos, rope);

            // store this position's key and value in the cache
            backend.copyRows(s.keyCache[l], pos, s.k);
            backend.copyRows(s.valueCache[l], pos, s.v);

            // multihead attention over positions 0..pos
            backend.attention(s.attnOut, s.q, s.keyCache[l], s.valueCache[l], pos, heads);

            // final matmul to get the output of the attention
            backend.matmul(s.xb2, layer.wo(), s.attnOut);

            // residual connection back into x
            backend.add(s.x, s.x, s.xb2);

            // ffn rmsnorm
            backend.rmsNorm(s.xb, s.x, layer.ffnNorm(), c.normEps());

            // SwiGLU feed-forward: wDown(silu(wGate·xb) ⊙ wUp·xb)
            backend.matmul(s.hb, layer.wGate(), s.xb);
            backend.matmul(s.hb2, layer.wUp(), s.xb);
            backend.swiglu(s.hb, s.hb, s.hb2);
            backend.matmul(s.xb, layer.wDown(), s.hb);

            // residual connection
            backend.add(s.x, s.x, s.xb);
        }

        // final rmsnorm
        backend.rmsNorm(s.x, s.x, w.finalNorm(), c.normEps());

        // classifier into logits
        backend.matmul(s.logits, w.classifier(), s.x);
    }

    @Override
    public String architecture() {
        return "llama";
    }

    @Override
    public LlamaConfig config() {
        return config;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int seqLen() {
        return config.seqLen();
    }

    @Override
    public long parameterCount() {
        return parameterCount;
    }

    @Override
    public String source() {
        return checkpoint.source();
    }

    @Override
    public Session newSession() {
        return new LlamaSession(new LlamaState(config, backend));
    }

    @Override
    public void close() {
        weights.close();
        checkpoint.close();
    }

    private final class LlamaSession implements Session {
        private final LlamaState state;

        LlamaSession(LlamaState state) {
            this.state = state;
        }

        @Override
        public float[] forward(int token, int pos) {
            checkArgument(pos >= 0 && pos < config.seqLen(), "position %s is outside the context of %s tokens",
                    pos, config.seqLen());
            checkArgument(token >= 0 && token < config.vocabSize(), "token %s is outside the vocabulary of %s",
                    token, config.vocabSize());
            Llama.this.forward(state, token, pos);
            backend.copyTo(state.logits, state.logitsOut);
            return state.logitsOut;
        }

        @Override
        public void close() {
            state.close();
        }
    }
}
