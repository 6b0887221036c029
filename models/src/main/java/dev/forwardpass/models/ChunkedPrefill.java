package dev.forwardpass.models;

/**
 * Runs a prompt through a model in chunks of at most a given number of rows (one matrix × matrix batch each, so the
 * activations stay bounded) and hands the logits after every token to a {@link LanguageModel.LogitsSink}, in order.
 */
public final class ChunkedPrefill {
    private ChunkedPrefill() {}

    /** Runs one chunk. */
    @FunctionalInterface
    public interface Chunk {
        /** {@return the logits after each of the tokens {@code from .. from + rows - 1}, (rows × vocabSize) row-major} */
        float[] run(int from, int rows);
    }

    /**
     * @param length how many tokens the prompt has
     * @param chunkRows the most tokens one chunk runs
     * @param vocabSize the length of one row of logits
     * @param row where each row is copied before it is handed on (the session's logits buffer)
     */
    public static void run(int length, int chunkRows, int vocabSize, float[] row, Chunk chunk,
            LanguageModel.LogitsSink sink) {
        for (int from = 0; from < length; from += chunkRows) {
            int rows = Math.min(chunkRows, length - from);
            float[] logits = chunk.run(from, rows);
            for (int r = 0; r < rows; r++) {
                System.arraycopy(logits, r * vocabSize, row, 0, vocabSize);
                sink.accept(from + r, row);
            }
        }
    }
}
