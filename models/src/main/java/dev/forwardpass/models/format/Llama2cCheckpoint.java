package dev.forwardpass.models.format;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.api.Shape;
import dev.forwardpass.models.llama.LlamaCheckpoint;
import dev.forwardpass.models.llama.LlamaConfig;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A llama2.c checkpoint (Karpathy's {@code export.py}), in either of its float32 layouts:
 * <ul>
 *   <li><b>legacy</b> (what {@code run.c} reads): seven int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 *       vocab_size, seq_len), where a negative vocab_size means the classifier is stored separately; then the
 *       weights grouped by kind across layers, then two unused rope tables, then the classifier if unshared.
 *   <li><b>version 1</b>: a 256-byte header (uint32 magic "ak42", int32 version = 1, the same seven int32, uint8
 *       shared_classifier, zero padding); then norms, embedding, and the linear weights grouped by kind.
 * </ul>
 * Every size is checked against the file's length before anything is sliced; the weights stay in the mapped file.
 */
public final class Llama2cCheckpoint implements LlamaCheckpoint {
    /** "ak42" read as a little-endian uint32. */
    static final int VERSION_1_MAGIC = 0x616b3432;
    static final int VERSION_1_HEADER_BYTES = 256;
    static final int LEGACY_HEADER_BYTES = 7 * 4;
    /** Larger dimensions are taken for a corrupt header rather than a model: they would not fit in memory anyway. */
    static final int MAX_DIMENSION = 1 << 20;
    /** llama2.c checkpoints always use RMSNorm with this epsilon and rope theta 10000. */
    static final float NORM_EPS = 1e-5f;
    static final float ROPE_THETA = 10000f;

    private final MappedFile file;
    private final LlamaConfig config;
    private final boolean sharedClassifier;
    private final int version;
    private final Map<String, TensorData> tensors;

    private Llama2cCheckpoint(MappedFile file, LlamaConfig config, boolean sharedClassifier, int version,
            Map<String, TensorData> tensors) {
        this.file = file;
        this.config = config;
        this.sharedClassifier = sharedClassifier;
        this.version = version;
        this.tensors = tensors;
    }

    /** Maps and validates the checkpoint at {@code path}. */
    public static Llama2cCheckpoint open(Path path) throws IOException {
        return read(MappedFile.open(path));
    }

    /**
     * Validates the checkpoint held by {@code file} and takes ownership of it (closing the checkpoint closes it;
     * so does a failure here).
     */
    public static Llama2cCheckpoint read(MappedFile file) throws ModelFormatException {
        try {
            return parse(file);
        } catch (ModelFormatException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** {@return whether {@code data} starts like a version-1 llama2.c checkpoint} */
    static boolean isVersion1(MemorySegment data) {
        return data.byteSize() >= 4
                && data.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0) == VERSION_1_MAGIC;
    }

    private static Llama2cCheckpoint parse(MappedFile file) throws ModelFormatException {
        BinaryReader r = file.reader();
        int version = 0;
        if (isVersion1(file.data())) {
            r.readInt("magic");                                    // uint32 magic = "ak42"
            long versionOffset = r.offset();
            version = r.readInt("version");                        // int32 version
            if (version != 1) {
                throw r.error("version", versionOffset,
                        "unsupported llama2.c checkpoint version " + version + " (supported: legacy, 1)");
            }
        }
        long headerOffset = r.offset();
        int dim = readDimension(r, "dim");                         // int32 dim
        int hiddenDim = readDimension(r, "hidden_dim");            // int32 hidden_dim
        int nLayers = readDimension(r, "n_layers");                // int32 n_layers
        int nHeads = readDimension(r, "n_heads");                  // int32 n_heads
        long nKvHeadsOffset = r.offset();
        int nKvHeads = readDimension(r, "n_kv_heads");             // int32 n_kv_heads
        long vocabOffset = r.offset();
        int signedVocabSize = r.readInt("vocab_size");             // int32 vocab_size (legacy: < 0 means unshared)
        int seqLen = readDimension(r, "seq_len");                  // int32 seq_len
        boolean shared;
        if (version == 1) {
            int flag = r.readUnsignedByte("shared_classifier");    // uint8 shared_classifier
            if (flag > 1) {
                throw r.error("shared_classifier", r.offset() - 1, "must be 0 or 1, found " + flag);
            }
            shared = flag == 1;
            r.seek("header padding", VERSION_1_HEADER_BYTES);
        } else {
            shared = signedVocabSize > 0;
        }
        int vocabSize = version == 1 ? signedVocabSize : Math.abs(signedVocabSize);
        if (signedVocabSize == 0 || signedVocabSize == Integer.MIN_VALUE || vocabSize > MAX_DIMENSION
                || (version == 1 && signedVocabSize < 0)) {
            throw r.error("vocab_size", vocabOffset, "must be between 1 and " + MAX_DIMENSION
                    + (version == 1 ? "" : " in magnitude") + ", found " + signedVocabSize);
        }
        if (dim % nHeads != 0) {
            throw r.error("n_heads", headerOffset + 12, "must divide dim=" + dim + ", found " + nHeads);
        }
        if (nHeads % nKvHeads != 0) {
            throw r.error("n_kv_heads", nKvHeadsOffset, "must divide n_heads=" + nHeads + ", found " + nKvHeads);
        }
        int headSize = dim / nHeads;
        if (headSize % 2 != 0) {
            throw r.error("n_heads", headerOffset + 12,
                    "dim / n_heads must be even for rotary embeddings, found " + dim + "/" + nHeads);
        }
        LlamaConfig config = new LlamaConfig(dim, hiddenDim, nLayers, nHeads, nKvHeads, headSize, vocabSize, seqLen,
                NORM_EPS, ROPE_THETA, RopeLayout.INTERLEAVED);

        long expected = Math.addExact(r.offset(), weightBytes(config, shared, version));
        if (expected != r.length()) {
            throw r.error("weights", r.offset(), "the header's sizes need " + expected + " bytes in all, but the file has "
                    + r.length() + (expected > r.length() ? " (truncated, or the header is wrong)" : " (trailing bytes)"));
        }
        Map<String, TensorData> tensors = version == 1
                ? sliceVersion1(r, config, shared)
                : sliceLegacy(r, config, shared);
        return new Llama2cCheckpoint(file, config, shared, version, tensors);
    }

    private static int readDimension(BinaryReader r, String field) throws ModelFormatException {
        long offset = r.offset();
        int value = r.readInt(field);
        if (value < 1 || value > MAX_DIMENSION) {
            throw r.error(field, offset, "must be between 1 and " + MAX_DIMENSION + ", found " + value);
        }
        return value;
    }

    /** {@return the bytes of every float32 the header announces after itself} */
    private static long weightBytes(LlamaConfig c, boolean shared, int version) {
        long perLayer = 2L * c.dim()                               // attention and ffn norms
                + 2L * c.dim() * c.qDim()                          // wq, wo
                + 2L * c.dim() * c.kvDim()                         // wk, wv
                + 3L * c.dim() * c.hiddenDim();                    // w1, w2, w3
        long floats = Math.addExact(Math.multiplyExact(perLayer, c.nLayers()),
                (long) c.vocabSize() * c.dim() + c.dim());         // embedding, final norm
        if (version == 0) {
            floats += (long) c.seqLen() * c.headSize();            // freq_cis_real and freq_cis_imag, unused
        }
        if (!shared) {
            floats += (long) c.vocabSize() * c.dim();              // classifier
        }
        return Math.multiplyExact(floats, 4L);
    }

    /** Legacy order: run.c's memory_map_weights. */
    private static Map<String, TensorData> sliceLegacy(BinaryReader r, LlamaConfig c, boolean shared)
            throws ModelFormatException {
        Map<String, TensorData> t = new LinkedHashMap<>();
        int n = c.nLayers();
        sliceOne(r, t, "token_embd.weight", c.vocabSize(), c.dim());
        sliceEachLayer(r, t, n, "attn_norm.weight", c.dim());      // rms_att_weight
        sliceEachLayer(r, t, n, "attn_q.weight", c.qDim(), c.dim());
        sliceEachLayer(r, t, n, "attn_k.weight", c.kvDim(), c.dim());
        sliceEachLayer(r, t, n, "attn_v.weight", c.kvDim(), c.dim());
        sliceEachLayer(r, t, n, "attn_output.weight", c.dim(), c.qDim());
        sliceEachLayer(r, t, n, "ffn_norm.weight", c.dim());       // rms_ffn_weight
        sliceEachLayer(r, t, n, "ffn_gate.weight", c.hiddenDim(), c.dim()); // w1
        sliceEachLayer(r, t, n, "ffn_down.weight", c.dim(), c.hiddenDim()); // w2
        sliceEachLayer(r, t, n, "ffn_up.weight", c.hiddenDim(), c.dim());   // w3
        sliceOne(r, t, "output_norm.weight", c.dim());             // rms_final_weight
        r.skip("freq_cis_real", (long) c.seqLen() * c.headSize() / 2 * 4);
        r.skip("freq_cis_imag", (long) c.seqLen() * c.headSize() / 2 * 4);
        if (!shared) {
            sliceOne(r, t, "output.weight", c.vocabSize(), c.dim()); // wcls
        }
        return t;
    }

    /** Version-1 order: export.py's version1_export. */
    private static Map<String, TensorData> sliceVersion1(BinaryReader r, LlamaConfig c, boolean shared)
            throws ModelFormatException {
        Map<String, TensorData> t = new LinkedHashMap<>();
        int n = c.nLayers();
        sliceEachLayer(r, t, n, "attn_norm.weight", c.dim());
        sliceEachLayer(r, t, n, "ffn_norm.weight", c.dim());
        sliceOne(r, t, "output_norm.weight", c.dim());
        sliceOne(r, t, "token_embd.weight", c.vocabSize(), c.dim());
        sliceEachLayer(r, t, n, "attn_q.weight", c.qDim(), c.dim());
        sliceEachLayer(r, t, n, "attn_k.weight", c.kvDim(), c.dim());
        sliceEachLayer(r, t, n, "attn_v.weight", c.kvDim(), c.dim());
        sliceEachLayer(r, t, n, "attn_output.weight", c.dim(), c.qDim());
        sliceEachLayer(r, t, n, "ffn_gate.weight", c.hiddenDim(), c.dim()); // w1
        sliceEachLayer(r, t, n, "ffn_down.weight", c.dim(), c.hiddenDim()); // w2
        sliceEachLayer(r, t, n, "ffn_up.weight", c.hiddenDim(), c.dim());   // w3
        if (!shared) {
            sliceOne(r, t, "output.weight", c.vocabSize(), c.dim());
        }
        return t;
    }

    private static void sliceEachLayer(BinaryReader r, Map<String, TensorData> into, int nLayers, String name,
            int... shape) throws ModelFormatException {
        for (int l = 0; l < nLayers; l++) {
            sliceOne(r, into, "blk." + l + "." + name, shape);
        }
    }

    private static void sliceOne(BinaryReader r, Map<String, TensorData> into, String name, int... shape)
            throws ModelFormatException {
        Shape s = Shape.of(shape);
        into.put(name, new TensorData(name, DType.F32, s, r.slice(name, s.size() * 4)));
    }

    /** {@return 0 for the legacy layout, else the version number} */
    public int version() {
        return version;
    }

    @Override
    public String source() {
        return file.source();
    }

    @Override
    public LlamaConfig config() {
        return config;
    }

    @Override
    public boolean sharedClassifier() {
        return sharedClassifier;
    }

    @Override
    public TensorData tensor(String name) throws ModelFormatException {
        TensorData data = tensors.get(name);
        if (data == null) {
            throw new ModelFormatException(file.source(), -1, name, "no such tensor in a llama2.c checkpoint");
        }
        return data;
    }

    @Override
    public void close() {
        file.close();
    }
}
