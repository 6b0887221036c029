package dev.forwardpass.models.gpt2;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.models.ChunkedPrefill;
import dev.forwardpass.models.ChunkedPrefill.Logits;
import dev.forwardpass.models.KvCache;
import dev.forwardpass.models.LanguageModel;
import dev.forwardpass.models.format.ModelFormatException;

/**
 * GPT-2: token plus learned position embedding, then per block {@code x += attn(ln_1(x)); x += mlp(ln_2(x))}
 * (nanoGPT's {@code Block}), then a final LayerNorm and the classifier. {@link #forward} reads step by step like
 * llama2.c's {@code forward()}, with LayerNorm for RMSNorm, biases on every linear layer, GELU for SwiGLU and no
 * rotary embedding.
 */
public final class Gpt2 implements LanguageModel {
    /** Prompt tokens run as one batch: enough to make matrix × matrix pay, small enough to bound the activations. */
    static final int PREFILL_CHUNK = 128;

    private final Gpt2Config config;
    private final Gpt2Weights weights;
    private final Backend backend;
    private final AttentionShape heads;
    private final Gpt2Checkpoint checkpoint;

    private Gpt2(Gpt2Config config, Gpt2Weights weights, Backend backend, Gpt2Checkpoint checkpoint) {
        this.config = config;
        this.weights = weights;
        this.backend = backend;
        this.heads = config.attentionShape();
        this.checkpoint = checkpoint;
    }

    /**
     * Uploads the weights of {@code checkpoint} to {@code backend}. The model takes ownership of the checkpoint
     * (a backend may keep views of its memory) and closes it with itself, or here if loading fails.
     */
    public static Gpt2 load(Gpt2Checkpoint checkpoint, Backend backend) throws ModelFormatException {
        try {
            Gpt2Weights weights = Gpt2Weights.upload(checkpoint, backend);
            return new Gpt2(checkpoint.config(), weights, backend, checkpoint);
        } catch (ModelFormatException | RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    /**
     * Runs the tokens of {@code s} at the positions in {@code s.positions} ({@code pos, pos + 1, ...}) as one batch
     * (one row per token; a single row when decoding) and writes the logits after each, or after the last only, into
     * {@code s.logits} (as {@code s.logitRows} says).
     */
    void forward(Gpt2State s, KvCache cache, int pos) {
        Gpt2Config c = config;
        Gpt2Weights w = weights;

        // token embeddings plus the learned embeddings of these positions
        backend.embedding(s.x, w.tokenEmbedding(), s.tokens);
        backend.embedding(s.xb, w.positionEmbedding(), s.positions);
        backend.add(s.x, s.x, s.xb);

        // forward all the layers
        for (int l = 0; l < c.nLayers(); l++) {
            Gpt2Layer layer = w.layers().get(l);

            // attention layernorm (ln_1)
            backend.layerNorm(s.xb, s.x, layer.attnNorm(), layer.attnNormBias(), c.normEps());

            // qkv matmuls for these positions (c_attn, split at load)
            backend.matmul(s.q, layer.wq(), s.xb, layer.bq());
            backend.matmul(s.k, layer.wk(), s.xb, layer.bk());
            backend.matmul(s.v, layer.wv(), s.xb, layer.bv());

            // store these positions' keys and values in the cache
            backend.copyRows(cache.keys(l), pos, s.k, 0, s.k.shape().rows());
            backend.copyRows(cache.values(l), pos, s.v, 0, s.v.shape().rows());

            // multihead attention, each position over positions 0..itself
            backend.attention(s.attnOut, s.q, cache.keys(l), cache.values(l), pos, heads);

            // final matmul to get the output of the attention (c_proj)
            backend.matmul(s.xb2, layer.wo(), s.attnOut, layer.bo());

            // residual connection back into x
            backend.add(s.x, s.x, s.xb2);

            // ffn layernorm (ln_2)
            backend.layerNorm(s.xb, s.x, layer.ffnNorm(), layer.ffnNormBias(), c.normEps());

            // MLP: c_proj(gelu(c_fc(xb)))
            backend.matmul(s.hb, layer.wUp(), s.xb, layer.bUp());
            backend.gelu(s.hb, s.hb);
            backend.matmul(s.xb, layer.wDown(), s.hb, layer.bDown());

            // residual connection
            backend.add(s.x, s.x, s.xb);
        }

        // the rows that go on: all of them, the last alone (a prompt run for its next token), or none
        Tensor out = s.logitRows.classifierInput(backend, s.x, s.xLast);
        if (out == null) {
            return; // a prompt chunk before the last: run for the keys and values it left in the cache
        }

        // final layernorm (ln_f)
        backend.layerNorm(out, out, w.finalNorm(), w.finalNormBias(), c.normEps());

        // classifier into logits
        backend.matmul(s.logits, w.classifier(), out);
    }

    @Override
    public String architecture() {
        return "gpt2";
    }

    @Override
    public Gpt2Config config() {
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
        return weights.parameters();
    }

    @Override
    public long weightBytes() {
        return weights.bytes();
    }

    @Override
    public String source() {
        return checkpoint.source();
    }

    @Override
    public Session newSession() {
        return new Gpt2Session();
    }

    @Override
    public void close() {
        weights.close();
        checkpoint.close();
    }

    /** A sequence: its KV cache, the one-row state of decoding, and prompt chunks of up to {@link #PREFILL_CHUNK}. */
    private final class Gpt2Session implements Session {
        private final KvCache cache = new KvCache(backend, config.nLayers(), config.seqLen(), config.dim());
        private final Gpt2State decode = new Gpt2State(config, backend, 1);

        @Override
        public float[] forward(int token, int pos) {
            checkArgument(pos >= 0 && pos < config.seqLen(), "position %s is outside the context of %s tokens",
                    pos, config.seqLen());
            checkToken(token);
            decode.tokens[0] = token;
            decode.positions[0] = pos;
            Gpt2.this.forward(decode, cache, pos);
            backend.copyTo(decode.logits, decode.logitsOut);
            return decode.logitsOut;
        }

        @Override
        public void prefill(int[] tokens, int pos, LogitsSink sink) {
            checkPrompt(tokens, pos);
            ChunkedPrefill.run(tokens.length, PREFILL_CHUNK, config.vocabSize(), decode.logitsOut, (from, rows) -> {
                // a chunk's activations live as long as the chunk: prefill runs once per prompt, not per token
                try (Gpt2State chunk = new Gpt2State(config, backend, rows)) {
                    run(chunk, tokens, from, pos);
                    backend.copyTo(chunk.logits, chunk.logitsOut);
                    return chunk.logitsOut;
                }
            }, sink);
        }

        @Override
        public float[] prefill(int[] tokens, int pos) {
            checkPrompt(tokens, pos);
            ChunkedPrefill.runForLastLogits(tokens.length, PREFILL_CHUNK, (from, rows, logits) -> {
                try (Gpt2State chunk = new Gpt2State(config, backend, rows, logits)) {
                    run(chunk, tokens, from, pos);
                    if (logits == Logits.LAST_ROW) {
                        backend.copyTo(chunk.logits, decode.logitsOut);
                    }
                }
            });
            return decode.logitsOut;
        }

        /** Runs {@code chunk.rows} tokens from {@code tokens[from]} on, at positions from {@code pos + from} on. */
        private void run(Gpt2State chunk, int[] tokens, int from, int pos) {
            System.arraycopy(tokens, from, chunk.tokens, 0, chunk.rows);
            for (int row = 0; row < chunk.rows; row++) {
                chunk.positions[row] = pos + from + row;
            }
            Gpt2.this.forward(chunk, cache, pos + from);
        }

        private void checkPrompt(int[] tokens, int pos) {
            ChunkedPrefill.checkPrompt(tokens, pos, config.seqLen(), config.vocabSize());
        }

        private void checkToken(int token) {
            ChunkedPrefill.checkToken(token, config.vocabSize());
        }

        @Override
        public void close() {
            decode.close();
            cache.close();
        }
    }
}
