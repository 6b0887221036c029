package dev.forwardpass.models.decoder;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;

/**
 * The keys and values of every position seen so far, per layer: the memory of one sequence. It knows how many of its
 * rows a sequence has written, so that a cache handed on to the next sequence ({@link KvCachePool}) is zeroed there
 * alone.
 */
public final class KvCache implements AutoCloseable {
    private final Tensor[] keys;   // nLayers × (seqLen, kvDim)
    private final Tensor[] values; // nLayers × (seqLen, kvDim)
    private int rowsWritten;       // rows from here on hold zeros, as allocated

    /** Allocates {@code nLayers} key and value tensors of {@code (seqLen, kvDim)} on {@code backend}. */
    public KvCache(Backend backend, int nLayers, int seqLen, int kvDim) {
        keys = new Tensor[nLayers];
        values = new Tensor[nLayers];
        for (int l = 0; l < nLayers; l++) {
            keys[l] = backend.allocate(Shape.of(seqLen, kvDim));
            values[l] = backend.allocate(Shape.of(seqLen, kvDim));
        }
    }

    /** {@return layer {@code l}'s keys, (seqLen, kvDim)} */
    public Tensor keys(int l) {
        return keys[l];
    }

    /** {@return layer {@code l}'s values, (seqLen, kvDim)} */
    public Tensor values(int l) {
        return values[l];
    }

    /** Notes that positions {@code pos..pos+rows-1} are about to be written (before the pass, which may fail midway). */
    void willWrite(int pos, int rows) {
        rowsWritten = Math.max(rowsWritten, pos + rows);
    }

    /** {@return the rows written since the cache was allocated or last zeroed} */
    int rowsWritten() {
        return rowsWritten;
    }

    /** Zeroes the rows written, copying them from {@code zeros} (at least that many rows of kvDim zeros). */
    void zero(Backend backend, Tensor zeros) {
        if (rowsWritten == 0) {
            return; // the session closed before its first pass
        }
        for (int l = 0; l < keys.length; l++) {
            backend.copyRows(keys[l], 0, zeros, 0, rowsWritten);
            backend.copyRows(values[l], 0, zeros, 0, rowsWritten);
        }
        rowsWritten = 0;
    }

    @Override
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            keys[l].close();
            values[l].close();
        }
    }
}
