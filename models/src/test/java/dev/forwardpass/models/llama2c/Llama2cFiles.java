package dev.forwardpass.models.llama2c;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Rewrites a legacy llama2.c checkpoint in the other layouts that export.py writes, from the layouts' definitions,
 * so that the readers of those layouts can be checked on real weights.
 */
public final class Llama2cFiles {
    private Llama2cFiles() {}

    /** The header of a legacy file: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len. */
    record Header(int dim, int hidden, int layers, int heads, int kvHeads, int vocab, int seqLen) {
        static Header of(byte[] legacy) {
            ByteBuffer b = ByteBuffer.wrap(legacy).order(ByteOrder.LITTLE_ENDIAN);
            return new Header(b.getInt(0), b.getInt(4), b.getInt(8), b.getInt(12), b.getInt(16), Math.abs(b.getInt(20)),
                    b.getInt(24));
        }

        int kvDim() {
            return dim / heads * kvHeads;
        }
    }

    /** {@return the legacy checkpoint (shared classifier) rewritten with a separate copy of the classifier} */
    public static byte[] legacyWithSeparateClassifier(byte[] legacy) {
        Header h = Header.of(legacy);
        byte[] out = Arrays.copyOf(legacy, legacy.length + h.vocab * h.dim * 4);
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(20, -h.vocab);
        System.arraycopy(legacy, 28, out, legacy.length, h.vocab * h.dim * 4); // the embedding follows the header
        return out;
    }

    /** {@return the legacy checkpoint (shared classifier) in export.py's version-1 layout} */
    public static byte[] version1(byte[] legacy, boolean shared) {
        Header h = Header.of(legacy);
        int d = h.dim;
        int n = h.layers;
        // legacy offsets, in floats after the 28-byte header (run.c's memory_map_weights)
        long[] at = new long[11];
        long[] sizes = {(long) h.vocab * d, (long) n * d, (long) n * d * d, (long) n * d * h.kvDim(),
                (long) n * d * h.kvDim(), (long) n * d * d, (long) n * d, (long) n * d * h.hidden,
                (long) n * h.hidden * d, (long) n * d * h.hidden, d};
        long offset = 0;
        for (int i = 0; i < sizes.length; i++) {
            at[i] = offset;
            offset += sizes[i];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer header = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(Llama2cCheckpoint.VERSION_1_MAGIC).putInt(1)
                .putInt(h.dim).putInt(h.hidden).putInt(h.layers).putInt(h.heads).putInt(h.kvHeads).putInt(h.vocab)
                .putInt(h.seqLen).put((byte) (shared ? 1 : 0));
        out.writeBytes(header.array());
        // version1_export order: attention norms, ffn norms, final norm, embedding, wq, wk, wv, wo, w1, w2, w3
        int[] order = {1, 6, 10, 0, 2, 3, 4, 5, 7, 8, 9};
        for (int kind : order) {
            out.write(legacy, Math.toIntExact(28 + at[kind] * 4), Math.toIntExact(sizes[kind] * 4));
        }
        if (!shared) {
            out.write(legacy, 28, Math.toIntExact(sizes[0] * 4));
        }
        return out.toByteArray();
    }
}
