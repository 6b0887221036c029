package dev.forwardpass.models.decoder;

import java.util.List;

/**
 * A loaded model whose weights live on one backend. Closing it releases the weights (and unmaps the file).
 *
 * <h2>Threads</h2>
 * One loaded model serves many concurrent sessions, one per conversation, on every backend: sessions used from
 * different threads at once are safe, and each computes exactly what it would alone. Their steps take turns on the
 * backend (one {@link Session#forward} or one prompt chunk at a time, the same turns for every model on that backend),
 * so they share its threads rather than add to them. A session itself is used by one thread at a time: a call made
 * while another call of the same session has not returned (from another thread, or from a {@link LogitsSink}) throws
 * {@link IllegalStateException}. Handing a session to another thread between calls is fine. Close the sessions
 * before the model.
 */
public interface LanguageModel extends AutoCloseable {
    /**
     * The most prompt tokens a model runs as one batch: enough to make matrix × matrix pay, few enough to bound a
     * batch's activations. A prompt prefilled in pieces of this many tokens from its start runs exactly as the whole
     * prompt does (the same batches, so the same bits), which lets a server run a long prompt a piece at a time
     * between the decode steps of others.
     */
    int PREFILL_CHUNK = 128;

    /** {@return the architecture's name, e.g. {@code "llama"}} */
    String architecture();

    /** {@return the hyper-parameters, a record whose components are printed by {@code info}} */
    Record config();

    /** {@return the number of tokens in the vocabulary (the length of a logits vector)} */
    int vocabSize();

    /** {@return the longest sequence a session can hold} */
    int seqLen();

    /** {@return the number of weights (a shared embedding/classifier counted once)} */
    long parameterCount();

    /** {@return the bytes of all weights as stored (what one decode step reads from memory)} */
    long weightBytes();

    /** {@return where the weights came from} */
    String source();

    /** {@return a new session with an empty KV cache} */
    Session newSession();

    /**
     * Decodes one token in each of several sessions with one forward pass: row {@code b} runs {@code tokens[b]} at
     * position {@code positions[b]} of {@code sessions.get(b)} (whose positions before it must have been run) and
     * hands that session's next-token logits to {@code sink} as {@code sink.accept(b, logits)}, in row order, after
     * the pass. The logits of a row are those the session's {@link Session#forward} would return, to float rounding
     * (a batch's products sum in another order than a single row's); a model that runs the rows as one pass reads
     * each weight once for all of them, which is what makes serving several sequences together faster than one after
     * another. Sessions may join or leave between steps, at any positions. Every session of the batch is claimed for
     * the whole step, sink calls included, as one call of it. This default decodes the sessions one after another,
     * with {@link Session#forward}'s checks.
     *
     * @throws IllegalArgumentException if the three have different lengths or none, a session is not one of this
     *     model's or appears twice, a position is outside the context or a token outside the vocabulary
     * @throws IllegalStateException if a session is closed or in use by another call
     */
    default void decode(List<Session> sessions, int[] tokens, int[] positions, LogitsSink sink) {
        DecoderModel.checkBatchShape(sessions, tokens, positions);
        for (int b = 0; b < tokens.length; b++) {
            sink.accept(b, sessions.get(b).forward(tokens[b], positions[b]));
        }
    }

    @Override
    void close();

    /** The mutable state of one sequence: activations and the KV cache, allocated once; one thread at a time. */
    interface Session extends AutoCloseable {

        /**
         * Runs {@code token} at position {@code pos} (positions 0..pos-1 must have been run before, in this session)
         * and returns the next-token logits. The array belongs to the session and is overwritten by the next call.
         *
         * @throws IllegalArgumentException if {@code pos} is outside the context or {@code token} outside the vocabulary
         * @throws java.io.UncheckedIOException with a {@link dev.forwardpass.models.format.ModelFormatException} if the
         *     logits hold a NaN or an infinity (broken weights; so do prefill's and decode's)
         */
        float[] forward(int token, int pos);

        /**
         * Runs {@code tokens} at positions {@code pos, pos + 1, ...} (positions before {@code pos} must have been
         * run in this session) and hands the logits after each token to {@code sink}, in order. A model may run
         * the tokens as one batch (matrix × matrix), which is much faster than one {@link #forward} per token;
         * this default does exactly that, one by one.
         *
         * @throws IllegalArgumentException if the positions leave the context or a token is outside the vocabulary
         */
        default void prefill(int[] tokens, int pos, LogitsSink sink) {
            for (int i = 0; i < tokens.length; i++) {
                sink.accept(i, forward(tokens[i], pos + i));
            }
        }

        /**
         * {@return the logits after the last of {@code tokens}}, run as {@link #prefill(int[], int, LogitsSink)}
         * does, except that a model may skip the classifier for every token but the last (the logits are the same);
         * the array belongs to the session.
         */
        default float[] prefill(int[] tokens, int pos) {
            float[][] last = new float[1][];
            prefill(tokens, pos, (index, logits) -> last[0] = logits);
            return last[0];
        }

        @Override
        void close();
    }

    /**
     * Receives the logits after each token of a prefill, or of each row of a batched {@link #decode}; the array is
     * reused after the call returns.
     */
    @FunctionalInterface
    interface LogitsSink {
        /** @param index the token's index in the prefilled array, or the row of the batch */
        void accept(int index, float[] logits);
    }
}
