package dev.forwardpass.models.decoder;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.Tensor;
import java.util.Arrays;

/**
 * Where the rows of a forward pass sit: in which sequence's KV cache, at which position. A family's forward pass makes
 * its position-dependent calls through it (RoPE, the store of keys and values, attention), so that one forward pass
 * runs both the consecutive tokens of one sequence (a prompt chunk, or one decoded token) and the next tokens of
 * several sequences decoded together, each in its own cache at its own position. Made once and reused: placing rows
 * allocates nothing.
 */
public abstract sealed class RowPlacement permits RowPlacement.InOneSequence, RowPlacement.AcrossSequences {
    final Backend backend;
    final AttentionShape heads;

    private RowPlacement(Backend backend, AttentionShape heads) {
        this.backend = backend;
        this.heads = heads;
    }

    /** Rotates, in place, every head of every row of {@code x} ({@code [rows, nHeads * headSize]}) for its position. */
    public abstract void rope(Tensor x, Rope rope);

    /** Stores layer {@code layer}'s keys {@code k} and values {@code v} ({@code [rows, kvDim]}) in the rows' caches. */
    public abstract void store(int layer, Tensor k, Tensor v);

    /**
     * Writes to {@code out} the attention of every query row of {@code q} ({@code [rows, qDim]}) over layer
     * {@code layer} of its cache, positions 0 to its own.
     */
    public abstract void attend(int layer, Tensor out, Tensor q);

    /** Rows at consecutive positions {@code pos, pos + 1, ...} of one sequence. */
    static final class InOneSequence extends RowPlacement {
        private final KvCache cache;
        private int pos;

        InOneSequence(Backend backend, AttentionShape heads, KvCache cache) {
            super(backend, heads);
            this.cache = cache;
        }

        /** {@return this placement, its first row now at position {@code pos}} */
        InOneSequence at(int pos) {
            this.pos = pos;
            return this;
        }

        @Override
        public void rope(Tensor x, Rope rope) {
            backend.rope(x, pos, rope);
        }

        @Override
        public void store(int layer, Tensor k, Tensor v) {
            backend.copyRows(cache.keys(layer), pos, k, 0, k.shape().rows());
            backend.copyRows(cache.values(layer), pos, v, 0, v.shape().rows());
        }

        @Override
        public void attend(int layer, Tensor out, Tensor q) {
            backend.attention(out, q, cache.keys(layer), cache.values(layer), pos, heads);
        }
    }

    /** Row {@code b} is the next token of sequence {@code b}, at {@code positions[b]} of that sequence's cache. */
    static final class AcrossSequences extends RowPlacement {
        private final int[] positions;   // (B,) each row's position, shared with the batch's DecoderState
        private final Tensor[][] keys;   // nLayers × (B,) layer l's keys of each row's cache, as attention takes them
        private final Tensor[][] values; // nLayers × (B,) same for the values

        /** Rows placed at {@code positions}, an array the caller fills along with {@link #place}. */
        AcrossSequences(Backend backend, AttentionShape heads, int nLayers, int[] positions) {
            super(backend, heads);
            this.positions = positions;
            keys = new Tensor[nLayers][positions.length];
            values = new Tensor[nLayers][positions.length];
        }

        /** Places row {@code b} in {@code cache}, at {@code positions[b]}. */
        void place(int b, KvCache cache) {
            for (int l = 0; l < keys.length; l++) {
                keys[l][b] = cache.keys(l);
                values[l][b] = cache.values(l);
            }
        }

        /** Drops the caches, so that a finished step keeps no session's memory reachable. */
        void clear() {
            for (int l = 0; l < keys.length; l++) {
                Arrays.fill(keys[l], null);
                Arrays.fill(values[l], null);
            }
        }

        @Override
        public void rope(Tensor x, Rope rope) {
            backend.rope(x, positions, rope);
        }

        @Override
        public void store(int layer, Tensor k, Tensor v) {
            for (int b = 0; b < positions.length; b++) {
                backend.copyRows(keys[layer][b], positions[b], k, b, 1);
                backend.copyRows(values[layer][b], positions[b], v, b, 1);
            }
        }

        @Override
        public void attend(int layer, Tensor out, Tensor q) {
            backend.attention(out, q, keys[layer], values[layer], positions, heads);
        }
    }
}
