package dev.forwardpass.backend.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.forwardpass.api.Rope;

/**
 * The rotation coefficients of one {@link Rope} for positions {@code 0..capacity-1}, kept as native tensors so that
 * a rotation needs no upload. Grown by doubling, so a session of {@code seqLen} tokens rebuilds it about
 * {@code log2(seqLen)} times and then never again.
 *
 * <p>Each row is laid out like a head, so that a rotation is two multiplications and an addition:
 * {@code out = x ⊙ cos + partner(x) ⊙ sin}, where {@code partner} swaps the two elements of every pair. For pair
 * {@code i} at offsets {@code (a, b)} the row holds {@code cos[a] = cos[b] = cos θ}, {@code sin[a] = -sin θ} and
 * {@code sin[b] = sin θ}, giving {@code out[a] = x[a] cos θ - x[b] sin θ} and {@code out[b] = x[b] cos θ + x[a] sin θ}.
 * {@code partner(x)} is {@code x · swap}, with {@link #swap()} the permutation matrix of the pairs: one PyTorch call
 * (exact for finite x: each output is one product by 1 plus products by 0), where reshaping and flipping takes three.
 *
 * <p>A decode step rotates q and k of every layer at the same position, so the rows last asked for are kept (views of
 * the tables, owned here) and handed out again while the position stays the same. For one position the rotation is
 * also offered as a matrix, {@link #rotation}: {@code out = x · R} with {@code R = diag(cos) + swap · diag(sin)}, one
 * PyTorch call per rotation where the form above takes four; in a decode step, among the cache misses that follow
 * every weight stream, each call costs microseconds. R is made once per position (three calls) and kept.
 *
 * <p>The angles are computed in Java, in single precision, exactly as llama2.c does ({@code float val = pos * freq}),
 * and only their cosine and sine are rounded from double; the native tables then hold the values the scalar backend
 * uses.
 */
final class RopeTable implements AutoCloseable {
    private static final int MIN_CAPACITY = 64;

    private final Rope rope;
    private final NDManager manager;
    private NDArray cos; // (capacity, headSize)
    private NDArray sin; // (capacity, headSize), signed as above
    private int capacity;
    private final NDArray swap; // (headSize, headSize): x · swap exchanges the elements of every pair
    private final NDArray identity; // (headSize, headSize)
    // the views handed out last, for positions lastPos..lastPos+lastCount-1 (lastCount 0: none)
    private NDArray[] lastRows;
    private int lastPos;
    private int lastCount;
    // the rotation matrix of position rotationPos (null: none yet)
    private NDArray rotation;
    private int rotationPos;

    RopeTable(Rope rope, NDManager manager) {
        this.rope = rope;
        this.manager = manager;
        int headSize = rope.headSize();
        float[] permutation = new float[headSize * headSize];
        for (int i = 0; i < headSize / 2; i++) {
            int first = rope.firstOffset(i);
            int partner = rope.partnerOffset(i);
            permutation[first * headSize + partner] = 1; // out[partner] = x[first]
            permutation[partner * headSize + first] = 1; // out[first] = x[partner]
        }
        swap = manager.create(permutation, new Shape(headSize, headSize));
        identity = manager.eye(headSize);
        NDScope.unregister(swap, identity);
    }

    /** {@return the permutation matrix (headSize, headSize) with x · swap = partner(x)} */
    NDArray swap() {
        return swap;
    }

    /**
     * {@return the rotation of position {@code pos} as a {@code (headSize, headSize)} matrix R, {@code x · R} rotating
     * every pair of x like {@code x ⊙ cos + partner(x) ⊙ sin}}: column j holds cos at row j and the signed sin at the
     * row of j's partner, zeros elsewhere, so each output is the same two products, added with zeros. It belongs to
     * this table and is valid until the next call. Called inside an op's {@link NDScope}, which frees the
     * intermediates of a new matrix.
     */
    NDArray rotation(int pos) {
        if (rotation != null && rotationPos == pos) {
            return rotation;
        }
        NDArray[] cosSin = rows(pos, 1);
        // (1, 1, headSize) rows broadcast over the matrix rows: column j scaled by cos[j] / sin[j]
        NDArray next = identity.mul(cosSin[0]).addi(swap.mul(cosSin[1])).reshape(rope.headSize(), rope.headSize());
        NDScope.unregister(next);
        closeRotation();
        rotation = next;
        rotationPos = pos;
        return rotation;
    }

    private void closeRotation() {
        if (rotation != null) {
            rotation.close();
            rotation = null;
        }
    }

    /**
     * {@return the cos and signed sin rows of positions {@code pos..pos+count-1}, each of shape
     * {@code (count, 1, headSize)}}; they belong to this table and are valid until the next call.
     */
    NDArray[] rows(int pos, int count) {
        if (count == lastCount && pos == lastPos) {
            return lastRows;
        }
        int end = Math.addExact(pos, count);
        ensureCapacity(end);
        forgetRows();
        Shape rowShape = new Shape(count, 1, rope.headSize()); // broadcast over the heads
        lastRows = new NDArray[] {
            DjlBackend.slice(cos, 0, pos, end).reshape(rowShape), DjlBackend.slice(sin, 0, pos, end).reshape(rowShape)
        };
        NDScope.unregister(lastRows);
        lastPos = pos;
        lastCount = count;
        return lastRows;
    }

    /**
     * {@return the cos and signed sin rows of {@code positions}, each of shape {@code (positions.length, 1,
     * headSize)}}: new arrays, gathered from the tables, which the caller's {@link NDScope} frees.
     */
    NDArray[] rowsAt(int[] positions) {
        long[] ids = new long[positions.length];
        int end = 0;
        for (int b = 0; b < positions.length; b++) {
            ids[b] = positions[b];
            end = Math.max(end, Math.addExact(positions[b], 1));
        }
        ensureCapacity(end);
        NDArray rowIds = manager.create(ids);
        Shape rowShape = new Shape(positions.length, 1, rope.headSize()); // broadcast over the heads
        return new NDArray[] {gather(cos, rowIds).reshape(rowShape), gather(sin, rowIds).reshape(rowShape)};
    }

    /** {@return the rows {@code rowIds} of {@code table}}, as the embedding of the positions */
    private static NDArray gather(NDArray table, NDArray rowIds) {
        return table.getNDArrayInternal().embedding(rowIds, table, SparseFormat.DENSE).singletonOrThrow();
    }

    /** Grows the tables to hold positions {@code 0..end-1} at least, doubling. */
    private void ensureCapacity(int end) {
        if (end > capacity) {
            grow(Math.max(end, Math.max(MIN_CAPACITY, 2 * capacity)));
        }
    }

    private void forgetRows() {
        if (lastCount != 0) {
            lastRows[0].close();
            lastRows[1].close();
            lastRows = null;
            lastCount = 0;
        }
    }

    private void grow(int newCapacity) {
        int headSize = rope.headSize();
        float[] c = new float[newCapacity * headSize];
        float[] s = new float[newCapacity * headSize];
        for (int p = 0; p < newCapacity; p++) {
            for (int i = 0; i < headSize / 2; i++) {
                float angle = p * rope.inverseFrequency(i);
                float cosine = (float) Math.cos(angle);
                float sine = (float) Math.sin(angle);
                int first = p * headSize + rope.firstOffset(i);
                int partner = p * headSize + rope.partnerOffset(i);
                c[first] = cosine;
                c[partner] = cosine;
                s[first] = -sine;
                s[partner] = sine;
            }
        }
        closeTables();
        Shape shape = new Shape(newCapacity, headSize);
        cos = manager.create(c, shape);
        sin = manager.create(s, shape);
        // The tables outlive the op that grew them: keep them out of that op's scope.
        NDScope.unregister(cos, sin);
        capacity = newCapacity;
    }

    /** Frees the native tables. */
    @Override
    public void close() {
        closeTables();
        swap.close();
        identity.close();
    }

    private void closeTables() {
        forgetRows();
        closeRotation();
        if (cos != null) {
            cos.close();
            sin.close();
            cos = null;
            sin = null;
            capacity = 0;
        }
    }
}
