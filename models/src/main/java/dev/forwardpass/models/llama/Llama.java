package dev.forwardpass.models.llama;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.models.ChunkedPrefill;
import dev.forwardpass.models.ChunkedPrefill.Logits;
import dev.forwardpass.models.KvCache;
import dev.forwardpass.models.LanguageModel;
import dev.forwardpass.models.format.ModelFormatException;

/**
 * A Llama-family transformer: RMSNorm, rotary embeddings, grouped-query attention with a KV cache, a SwiGLU
 * feed-forward and a linear classifier. {@link #forward} reads step by step like llama2.c's {@code forward()}.
 */
public final class Llama implements LanguageModel {
    /** Prompt tokens run as one batch: enough to make matrix × matrix pay, small enough to bound the activations. */
    static final int PREFILL_CHUNK = 128;

    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final Backend backend;
    private final Rope rope;
    private final AttentionShape heads;
    private final LlamaCheckpoint checkpoint;

    private Llama(LlamaConfig config, LlamaWeights weights, Backend backend, LlamaCheckpoint checkpoint) {
        this.config = config;
        this.weights = weights;
        this.backend = backend;
        this.rope = config.rope();
        this.heads = config.attentionShape();
        this.checkpoint = checkpoint;
    }

    /**
     * Uploads the weights of {@code checkpoint} to {@code backend}. The model takes ownership of the checkpoint
     * (a backend may keep views of its mapped memory) and closes it with itself, or here if loading fails.
     */
    public static Llama load(LlamaCheckpoint checkpoint, Backend backend) throws ModelFormatException {
        try {
            LlamaWeights weights = LlamaWeights.upload(checkpoint, backend);
            return new Llama(checkpoint.config(), weights, backend, checkpoint);
        } catch (ModelFormatException | RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    /**
     * Runs the tokens of {@code s} at positions {@code pos, pos + 1, ...} as one batch (one row per token; a single
     * row when decoding) and writes the logits after each of them, or after the last only, into {@code s.logits}
     * (as {@code s.logitRows} says).
     */
    void forward(LlamaState s, KvCache cache, int pos) {
        LlamaConfig c = config;
        LlamaWeights w = weights;

        // copy the token embeddings into x
        backend.embedding(s.x, w.tokenEmbedding(), s.tokens);

        // forward all the layers
        for (int l = 0; l < c.nLayers(); l++) {
            LlamaLayer layer = w.layers().get(l);

            // attention rmsnorm
            backend.rmsNorm(s.xb, s.x, layer.attnNorm(), c.normEps());

            // qkv matmuls for these positions
            backend.matmul(s.q, layer.wq(), s.xb, layer.bq());
            backend.matmul(s.k, layer.wk(), s.xb, layer.bk());
            backend.matmul(s.v, layer.wv(), s.xb, layer.bv());

            // RoPE relative positional encoding: rotate each head of q and k by its position's angles
            backend.rope(s.q, pos, rope);
            backend.rope(s.k, pos, rope);

            // store these positions' keys and values in the cache
            backend.copyRows(cache.keys(l), pos, s.k, 0, s.k.shape().rows());
            backend.copyRows(cache.values(l), pos, s.v, 0, s.v.shape().rows());

            // multihead attention, each position over positions 0..itself
            backend.attention(s.attnOut, s.q, cache.keys(l), cache.values(l), pos, heads);

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

        // the rows that go on: all of them, the last alone (a prompt run for its next token), or none
        Tensor out = s.logitRows.classifierInput(backend, s.x, s.xLast);
        if (out == null) {
            return; // a prompt chunk before the last: run for the keys and values it left in the cache
        }

        // final rmsnorm
        backend.rmsNorm(out, out, w.finalNorm(), c.normEps());

        // classifier into logits
        backend.matmul(s.logits, w.classifier(), out);
    }

    @Override
    public String architecture() {
        return "llama";
    }

    @Override
    public LlamaConfig config() {
        return config;
    }

    /** {@return the model's weights, owned by its backend and closed with the model} */
    public LlamaWeights weights() {
        return weights;
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
        return new LlamaSession();
    }

    @Override
    public void close() {
        weights.close();
        checkpoint.close();
    }

    /** A sequence: its KV cache, the one-row state of decoding, and prompt chunks of up to {@link #PREFILL_CHUNK}. */
    private final class LlamaSession implements Session {
        private final KvCache cache = new KvCache(backend, config.nLayers(), config.seqLen(), config.kvDim());
        private final LlamaState decode = new LlamaState(config, backend, 1);

        @Override
        public float[] forward(int token, int pos) {
            checkPositions(pos, 1);
            checkToken(token);
            decode.tokens[0] = token;
            Llama.this.forward(decode, cache, pos);
            backend.copyTo(decode.logits, decode.logitsOut);
            return decode.logitsOut;
        }

        @Override
        public void prefill(int[] tokens, int pos, LogitsSink sink) {
            checkPrompt(tokens, pos);
            ChunkedPrefill.run(tokens.length, PREFILL_CHUNK, config.vocabSize(), decode.logitsOut, (from, rows) -> {
                // a chunk's activations live as long as the chunk: prefill runs once per prompt, not per token
                try (LlamaState chunk = new LlamaState(config, backend, rows)) {
                    System.arraycopy(tokens, from, chunk.tokens, 0, rows);
                    Llama.this.forward(chunk, cache, pos + from);
                    backend.copyTo(chunk.logits, chunk.logitsOut);
                    return chunk.logitsOut;
                }
            }, sink);
        }

        @Override
        public float[] prefill(int[] tokens, int pos) {
            checkPrompt(tokens, pos);
            ChunkedPrefill.runForLastLogits(tokens.length, PREFILL_CHUNK, (from, rows, logits) -> {
                try (LlamaState chunk = new LlamaState(config, backend, rows, logits)) {
                    System.arraycopy(tokens, from, chunk.tokens, 0, rows);
                    Llama.this.forward(chunk, cache, pos + from);
                    if (logits == Logits.LAST_ROW) {
                        backend.copyTo(chunk.logits, decode.logitsOut);
                    }
                }
            });
            return decode.logitsOut;
        }

        private void checkPrompt(int[] tokens, int pos) {
            ChunkedPrefill.checkPrompt(tokens, pos, config.seqLen(), config.vocabSize());
        }

        private void checkPositions(int pos, int count) {
            // not Guava's three-argument checkArgument: it would box on every decoded token
            if (pos < 0 || pos + count > config.seqLen()) {
                throw new IllegalArgumentException(String.format("positions %d..%d are outside the context of %d tokens",
                        pos, pos + count - 1, config.seqLen()));
            }
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
