package dev.forwardpass.api;

/**
 * How the heads of a causal self-attention are laid out.
 *
 * @param nHeads number of query heads
 * @param nKvHeads number of key/value heads; query head {@code h} reads key/value head {@code h / (nHeads / nKvHeads)}
 *     (grouped-query attention; equal to {@code nHeads} for plain multi-head attention)
 * @param headSize dimension of one head
 */
public record AttentionShape(int nHeads, int nKvHeads, int headSize) {
    public AttentionShape {
        if (nHeads < 1 || nKvHeads < 1 || headSize < 1) {
            throw new IllegalArgumentException("heads and head size must be positive, found nHeads=" + nHeads
                    + " nKvHeads=" + nKvHeads + " headSize=" + headSize);
        }
        if (nHeads % nKvHeads != 0) {
            throw new IllegalArgumentException("nKvHeads=" + nKvHeads + " must divide nHeads=" + nHeads);
        }
    }

    /** {@return the width of a query row: {@code nHeads * headSize}} */
    public int queryDim() {
        return nHeads * headSize;
    }

    /** {@return the width of a key or value row: {@code nKvHeads * headSize}} */
    public int kvDim() {
        return nKvHeads * headSize;
    }

    /** {@return how many query heads share one key/value head} */
    public int kvMul() {
        return nHeads / nKvHeads;
    }
}
