package dev.forwardpass.models.decoder;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.models.format.ModelFormatException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A decoder-only transformer: what every family shares outside its forward pass, written once. A family is its
 * config, its tensor table and two methods: {@link #forward} (the blocks) and {@link #classify} (the final norm and
 * the classifier). Sessions, prompt chunks, batched decode steps, logits and checks live here.
 *
 * <p>Every backend call of a model holds the backend's monitor ({@code synchronized (backend)}), as {@link Backend}
 * asks of code that shares a backend between threads: a decode step, a prompt chunk, a session's allocation and
 * release, the upload and release of the weights. Sessions on different threads therefore take turns, step by step,
 * and so do the sessions of different models on one backend, since the monitor is the backend's own. A batched
 * {@link #decode} step is one such turn, for every session of the batch.
 *
 * @param <C> the family's config
 */
public abstract class DecoderModel<C extends Record & DecoderConfig> implements LanguageModel {
    protected final C config;
    protected final Weights weights;
    protected final Backend backend;
    protected final AttentionShape heads;
    private final Checkpoint<C> checkpoint;
    private final KvCachePool caches; // under the backend's monitor
    /** Held by a batched decode step from its first claim to its last logits: the steps of a model take turns. */
    private final Object batchLock = new Object();
    /** The activations of a batched decode step by batch size (the index), made on first use; under batchLock. */
    private Batch[] batches = new Batch[0];

    /** A model of {@code checkpoint}'s family on {@code backend}, computing with {@code weights} uploaded from it. */
    protected DecoderModel(Checkpoint<C> checkpoint, Weights weights, Backend backend) {
        this.config = checkpoint.config();
        this.weights = weights;
        this.backend = backend;
        this.heads = config.attentionShape();
        this.checkpoint = checkpoint;
        this.caches = new KvCachePool(backend, config);
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
     * Runs the tokens of {@code s} at their positions ({@code s.tokens}, {@code s.positions}) through every block, as
     * one batch (one row per token), leaving the last block's output in {@code s.x} and the rows' keys and values in
     * the caches {@code rows} places them in. The rows are consecutive tokens of one sequence (a prompt chunk, or a
     * single decoded token) or the next tokens of several sequences; {@code rows} makes every call that depends on
     * which (RoPE, the store of keys and values, attention), so that the pass is written once.
     */
    protected abstract void forward(DecoderState s, RowPlacement rows);

    /** Computes {@code logits} ({@code [rows, vocabSize]}) of {@code x} ({@code [rows, dim]}, overwritten). */
    protected abstract void classify(Tensor logits, Tensor x);

    /**
     * Refuses logits that hold a NaN or an infinity: row {@code row} of {@code logits} (the position {@code pos}'s).
     * Finite weights and inputs give finite logits, so a non-finite one means the weights are broken (a malformed
     * model, as the CLI reports it), and no token can be chosen from them.
     */
    private void checkFinite(float[] logits, int row, int pos) {
        int vocabSize = config.vocabSize();
        for (int i = row * vocabSize, end = i + vocabSize; i < end; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new UncheckedIOException(new ModelFormatException(source(), -1, null, "the logits at position "
                        + pos + " hold " + logits[i] + " (token " + (i - row * vocabSize) + " the first): the weights "
                        + "make the forward pass non-finite"));
            }
        }
    }

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

    /**
     * {@inheritDoc}
     *
     * <p>The activations of a step of {@code B} sequences are allocated the first time a batch of {@code B} runs and
     * kept, with the model, for the next steps of that size. The step holds the backend for the forward pass and
     * releases it while {@code sink} runs; the batched steps of one model take turns as a whole.
     */
    @Override
    public void decode(List<Session> sessions, int[] tokens, int[] positions, LogitsSink sink) {
        checkBatch(sessions, tokens, positions);
        int rows = sessions.size();
        synchronized (batchLock) {
            Batch batch = batch(rows);
            int claimed = 0;
            try {
                for (; claimed < rows; claimed++) {
                    DecoderModel<?>.DecoderSession session = (DecoderModel<?>.DecoderSession) sessions.get(claimed);
                    session.claimOpen();
                    session.cache.willWrite(positions[claimed], 1);
                    batch.rows.place(claimed, session.cache);
                }
                System.arraycopy(tokens, 0, batch.state.tokens, 0, rows);
                System.arraycopy(positions, 0, batch.state.positions, 0, rows); // batch.rows reads them too
                synchronized (backend) {
                    run(batch.state, batch.rows);
                    backend.copyTo(batch.state.logits, batch.state.logitsOut);
                }
                int vocabSize = config.vocabSize();
                for (int b = 0; b < rows; b++) {
                    checkFinite(batch.state.logitsOut, b, positions[b]);
                    System.arraycopy(batch.state.logitsOut, b * vocabSize, batch.rowLogits, 0, vocabSize);
                    sink.accept(b, batch.rowLogits);
                }
            } finally {
                batch.rows.clear();
                for (int b = 0; b < claimed; b++) {
                    ((DecoderModel<?>.DecoderSession) sessions.get(b)).release();
                }
            }
        }
    }

    private void checkBatch(List<Session> sessions, int[] tokens, int[] positions) {
        checkBatchShape(sessions, tokens, positions);
        for (int b = 0; b < sessions.size(); b++) {
            Session session = sessions.get(b);
            if (!(session instanceof DecoderModel<?>.DecoderSession ours && ours.model() == this)) {
                throw new IllegalArgumentException("the session of row " + b + " is not a session of this model");
            }
            for (int other = 0; other < b; other++) {
                if (sessions.get(other) == session) {
                    throw new IllegalArgumentException(String.format(
                            "a session decodes one token per step: rows %d and %d are the same session", other, b));
                }
            }
            checkPositions(positions[b], 1);
            checkToken(tokens[b]);
        }
    }

    /** Checks that a batched step has a token and a position per session, and one session at least. */
    static void checkBatchShape(List<Session> sessions, int[] tokens, int[] positions) {
        int rows = sessions.size();
        if (rows == 0 || tokens.length != rows || positions.length != rows) {
            throw new IllegalArgumentException(String.format("a batch needs a token and a position for each of its "
                    + "sessions, and one session at least; found %d sessions, %d tokens and %d positions", rows,
                    tokens.length, positions.length));
        }
    }

    /** {@return the activations of a step of {@code rows} sequences}, made on the first step of that size */
    private Batch batch(int rows) {
        if (rows >= batches.length) {
            batches = Arrays.copyOf(batches, rows + 1);
        }
        if (batches[rows] == null) {
            synchronized (backend) {
                batches[rows] = new Batch(config, backend, rows);
            }
        }
        return batches[rows];
    }

    @Override
    public void close() {
        synchronized (batchLock) {
            synchronized (backend) {
                for (Batch batch : batches) {
                    if (batch != null) {
                        batch.state.close();
                    }
                }
                batches = new Batch[0];
                caches.close();
                weights.close();
            }
        }
        checkpoint.close();
    }

    /** The blocks, then the classifier for the rows whose logits are wanted; under the backend's monitor. */
    private void run(DecoderState s, RowPlacement rows) {
        forward(s, rows);
        switch (s.logitRows) {
            case EVERY_ROW -> classify(s.logits, s.x);
            case LAST_ROW -> {
                backend.copyRows(s.xLast, 0, s.x, s.rows - 1, 1);
                classify(s.logits, s.xLast);
            }
            case NONE -> { } // a chunk before the last: run for the keys and values it left in the cache
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

    /** The activations of a decode step of {@code B} sequences, every row's logits wanted. */
    private static final class Batch {
        final DecoderState state;                // B rows
        final RowPlacement.AcrossSequences rows; // row b in the cache of the step's session b, at state.positions[b]
        final float[] rowLogits;                 // (vocabSize,) one row's logits, as the sink receives them

        Batch(DecoderConfig config, Backend backend, int b) {
            state = new DecoderState(config, backend, b, LogitRows.EVERY_ROW);
            rows = new RowPlacement.AcrossSequences(backend, config.attentionShape(), config.nLayers(), state.positions);
            rowLogits = new float[config.vocabSize()];
        }
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
        private final RowPlacement.InOneSequence rows;
        private boolean closed; // read and written by the caller that claimed the session

        DecoderSession() {
            synchronized (backend) {
                cache = caches.take();
                try {
                    decode = new DecoderState(config, backend, 1, LogitRows.EVERY_ROW);
                } catch (RuntimeException e) {
                    caches.give(cache);
                    throw e;
                }
            }
            rows = new RowPlacement.InOneSequence(backend, heads, cache);
        }

        DecoderModel<C> model() {
            return DecoderModel.this;
        }

        @Override
        public float[] forward(int token, int pos) {
            checkPositions(pos, 1);
            checkToken(token);
            claimOpen();
            try {
                decode.tokens[0] = token;
                decode.positions[0] = pos;
                cache.willWrite(pos, 1);
                synchronized (backend) {
                    DecoderModel.this.run(decode, rows.at(pos));
                    backend.copyTo(decode.logits, decode.logitsOut);
                }
                checkFinite(decode.logitsOut, 0, pos);
                return decode.logitsOut;
            } finally {
                release();
            }
        }

        /** {@inheritDoc} The backend is held for one chunk at a time and released while {@code sink} runs. */
        @Override
        public void prefill(int[] tokens, int pos, LogitsSink sink) {
            checkPrompt(tokens, pos);
            int vocabSize = config.vocabSize();
            claimOpen();
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
                        checkFinite(logits, r, pos + from + r);
                        System.arraycopy(logits, r * vocabSize, decode.logitsOut, 0, vocabSize);
                        sink.accept(from + r, decode.logitsOut);
                    }
                }
            } finally {
                release();
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
            claimOpen();
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
                checkFinite(decode.logitsOut, 0, pos + tokens.length - 1);
                return decode.logitsOut;
            } finally {
                release();
            }
        }

        /** Marks the session in use by the calling thread, or fails if another call of it has not returned. */
        private void claim() {
            if (!inUse.compareAndSet(false, true)) {
                throw new IllegalStateException(
                        "a session is used by one thread at a time; another call of this session has not returned");
            }
        }

        /** {@link #claim}s the session, or fails if it is closed. */
        void claimOpen() {
            claim();
            if (closed) {
                release();
                throw new IllegalStateException("the session is closed");
            }
        }

        void release() {
            inUse.set(false);
        }

        /** Runs {@code chunk.rows} tokens from {@code tokens[from]} on, at positions from {@code pos + from} on. */
        private void run(DecoderState chunk, int[] tokens, int from, int pos) {
            System.arraycopy(tokens, from, chunk.tokens, 0, chunk.rows);
            for (int row = 0; row < chunk.rows; row++) {
                chunk.positions[row] = pos + from + row;
            }
            cache.willWrite(pos + from, chunk.rows);
            DecoderModel.this.run(chunk, rows.at(pos + from));
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

        /** Frees the session's memory; closing a closed session does nothing. */
        @Override
        public void close() {
            claim();
            try {
                if (!closed) {
                    closed = true;
                    synchronized (backend) {
                        decode.close();
                        caches.give(cache);
                    }
                }
            } finally {
                release();
            }
        }
    }
}
