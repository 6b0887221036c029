package dev.forwardpass.models.decoder;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.models.format.ModelFormatException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A decoder-only transformer: what every family shares outside its forward pass, written once. A family is its
 * config, its tensor table and two methods: {@link #forward} (the blocks) and {@link #classify} (the final norm and
 * the classifier). Sessions, prompt chunks, logits and checks live here.
 *
 * <p>Every backend call of a model holds the backend's monitor ({@code synchronized (backend)}), as {@link Backend}
 * asks of code that shares a backend between threads: a decode step, a prompt chunk, a session's allocation and
 * release, the upload and release of the weights. Sessions on different threads therefore take turns, step by step,
 * and so do the sessions of different models on one backend, since the monitor is the backend's own.
 *
 * @param <C> the family's config
 */
public abstract class DecoderModel<C extends Record & DecoderConfig> implements LanguageModel {
    /** Prompt tokens run as one batch: enough to make matrix × matrix pay, small enough to bound the activations. */
    static final int PREFILL_CHUNK = 128;

    protected final C config;
    protected final Weights weights;
    protected final Backend backend;
    protected final AttentionShape heads;
    private final Checkpoint<C> checkpoint;

    /** A model of {@code checkpoint}'s family on {@code backend}, computing with {@code weights} uploaded from it. */
    protected DecoderModel(Checkpoint<C> checkpoint, Weights weights, Backend backend) {
        this.config = checkpoint.config();
        this.weights = weights;
        this.backend = backend;
        this.heads = config.attentionShape();
        this.checkpoint = checkpoint;
    }

    /**
     * Uploads the weights of {@code checkpoint} to {@code backend} and makes a model of its family. The model takes
     * ownership of the checkpoint (a backend may keep views of its memory) and closes it with itself, or here if
     * loading fails.
     */
    public static <C extends Record & DecoderConfig> LanguageModel load(Checkpoint<C> checkpoint, Backend backend)
            throws ModelFormatException {
        try {
            // the whole upload at once: the sessions of other models on this backend wait until it is done
            synchronized (backend) {
                Weights weights = Weights.upload(checkpoint, backend);
                try {
                    return checkpoint.architecture().factory().create(checkpoint, weights, backend);
                } catch (RuntimeException e) {
                    weights.close();
                    throw e;
                }
            }
        } catch (ModelFormatException | RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    /**
     * Runs the tokens of {@code s} at positions {@code pos, pos + 1, ...} ({@code s.positions}) through every block,
     * as one batch (one row per token; a single row when decoding), leaving the last block's output in {@code s.x}
     * and these positions' keys and values in {@code cache}.
     */
    protected abstract void forward(DecoderState s, KvCache cache, int pos);

    /** Computes {@code logits} ({@code [rows, vocabSize]}) of {@code x} ({@code [rows, dim]}, overwritten). */
    protected abstract void classify(Tensor logits, Tensor x);

    @Override
    public String architecture() {
        return checkpoint.architecture().name();
    }

    @Override
    public C config() {
        return config;
    }

    /** {@return the model's weights, owned by its backend and closed with the model} */
    public Weights weights() {
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
        return new DecoderSession();
    }

    @Override
    public void close() {
        synchronized (backend) {
            weights.close();
        }
        checkpoint.close();
    }

    /**
     * A sequence: its KV cache, the one-row state of decoding, and prompt chunks of up to {@link #PREFILL_CHUNK}.
     * Each call claims the session ({@link #inUse}) for its whole length, so that a second thread calling in meanwhile
     * fails instead of overwriting the positions and logits of the first.
     */
    private final class DecoderSession implements Session {
        private final AtomicBoolean inUse = new AtomicBoolean();
        private final KvCache cache;
        private final DecoderState decode;

        DecoderSession() {
            synchronized (backend) {
                cache = new KvCache(backend, config.nLayers(), config.seqLen(), config.kvDim());
                try {
                    decode = new DecoderState(config, backend, 1, LogitRows.EVERY_ROW);
                } catch (RuntimeException e) {
                    cache.close();
                    throw e;
                }
            }
        }

        @Override
        public float[] forward(int token, int pos) {
            checkPositions(pos, 1);
            checkToken(token);
            claim();
            try {
                decode.tokens[0] = token;
                decode.positions[0] = pos;
                synchronized (backend) {
                    run(decode, pos);
                    backend.copyTo(decode.logits, decode.logitsOut);
                }
                return decode.logitsOut;
            } finally {
                inUse.set(false);
            }
        }

        /** {@inheritDoc} The backend is held for one chunk at a time and released while {@code sink} runs. */
        @Override
        public void prefill(int[] tokens, int pos, LogitsSink sink) {
            checkPrompt(tokens, pos);
            int vocabSize = config.vocabSize();
            claim();
            try {
                for (int from = 0; from < tokens.length; from += PREFILL_CHUNK) {
                    int rows = Math.min(PREFILL_CHUNK, tokens.length - from);
                    float[] logits;
                    synchronized (backend) {
                        // a chunk's activations live as long as the chunk: prefill runs once per prompt, not per token
                        try (DecoderState chunk = new DecoderState(config, backend, rows, LogitRows.EVERY_ROW)) {
                            run(chunk, tokens, from, pos);
                            backend.copyTo(chunk.logits, chunk.logitsOut);
                            logits = chunk.logitsOut; // on the heap: it outlives the chunk's tensors
                        }
                    }
                    for (int r = 0; r < rows; r++) {
                        System.arraycopy(logits, r * vocabSize, decode.logitsOut, 0, vocabSize);
                        sink.accept(from + r, decode.logitsOut);
                    }
                }
            } finally {
                inUse.set(false);
            }
        }

        /**
         * Runs the prompt for the logits after its last token only: the chunks before the last skip the classifier,
         * and the last computes it for its last row, which spares {@code 2 · vocabSize · dim} multiply-adds for every
         * other token (a fifth of a 110M prompt's work).
         */
        @Override
        public float[] prefill(int[] tokens, int pos) {
            checkPrompt(tokens, pos);
            claim();
            try {
                for (int from = 0; from < tokens.length; from += PREFILL_CHUNK) {
                    int rows = Math.min(PREFILL_CHUNK, tokens.length - from);
                    boolean last = from + rows == tokens.length;
                    synchronized (backend) {
                        try (DecoderState chunk = new DecoderState(config, backend, rows,
                                last ? LogitRows.LAST_ROW : LogitRows.NONE)) {
                            run(chunk, tokens, from, pos);
                            if (last) {
                                backend.copyTo(chunk.logits, decode.logitsOut);
                            }
                        }
                    }
                }
                return decode.logitsOut;
            } finally {
                inUse.set(false);
            }
        }

        /** Marks the session in use by the calling thread, or fails if another call of it has not returned. */
        private void claim() {
            if (!inUse.compareAndSet(false, true)) {
                throw new IllegalStateException(
                        "a session is used by one thread at a time; another call of this session has not returned");
            }
        }

        /** Runs {@code chunk.rows} tokens from {@code tokens[from]} on, at positions from {@code pos + from} on. */
        private void run(DecoderState chunk, int[] tokens, int from, int pos) {
            System.arraycopy(tokens, from, chunk.tokens, 0, chunk.rows);
            for (int row = 0; row < chunk.rows; row++) {
                chunk.positions[row] = pos + from + row;
            }
            run(chunk, pos + from);
        }

        /** The blocks, then the classifier for the rows whose logits are wanted. */
        private void run(DecoderState s, int pos) {
            DecoderModel.this.forward(s, cache, pos);
            switch (s.logitRows) {
                case EVERY_ROW -> classify(s.logits, s.x);
                case LAST_ROW -> {
                    backend.copyRows(s.xLast, 0, s.x, s.rows - 1, 1);
                    classify(s.logits, s.xLast);
                }
                case NONE -> { } // a chunk before the last: run for the keys and values it left in the cache
            }
        }

        private void checkPrompt(int[] tokens, int pos) {
            if (tokens.length == 0) {
                throw new IllegalArgumentException("nothing to prefill");
            }
            checkPositions(pos, tokens.length);
            for (int token : tokens) {
                checkToken(token);
            }
        }

        // explicit ifs, not Guava's checkArgument with int arguments: that would box on every decoded token
        private void checkPositions(int pos, int count) {
            if (pos < 0 || pos > config.seqLen() - count) {
                throw new IllegalArgumentException(String.format("positions %d..%d are outside the context of %d tokens",
                        pos, pos + count - 1, config.seqLen()));
            }
        }

        private void checkToken(int token) {
            if (token < 0 || token >= config.vocabSize()) {
                throw new IllegalArgumentException(String.format("token %d is outside the vocabulary of %d", token,
                        config.vocabSize()));
            }
        }

        @Override
        public void close() {
            claim();
            try {
                synchronized (backend) {
                    decode.close();
                    cache.close();
                }
            } finally {
                inUse.set(false);
            }
        }
    }
}
