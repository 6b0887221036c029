package dev.forwardpass.models.llama2c;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.api.Shape;
import dev.forwardpass.models.decoder.FileCheckpoint;
import dev.forwardpass.models.format.BinaryReader;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.TensorData;
import dev.forwardpass.models.llama.Llama;
import dev.forwardpass.models.llama.LlamaConfig;
import dev.forwardpass.models.tokenizer.Llama2cTokenizer;
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
 * Both orders are in {@link Llama2cLayout}. Every size is checked against the file's length before anything is
 * sliced; the weights stay in the mapped file.
 */
public final class Llama2cCheckpoint extends FileCheckpoint<LlamaConfig> {
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
    private final int version;

    private Llama2cCheckpoint(MappedFile file, LlamaConfig config, int version, Map<String, TensorData> tensors) {
        super(file.source(), Llama.ARCHITECTURE, config, tensors);
        this.file = file;
        this.version = version;
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
        return file.parseOrClose(Llama2cCheckpoint::parse);
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
        // run.c's BOS (1) and EOS (2) are tokens of every llama2.c vocabulary
        if (vocabSize <= Llama2cTokenizer.EOS || signedVocabSize == Integer.MIN_VALUE || vocabSize > MAX_DIMENSION) {
            throw r.error("vocab_size", vocabOffset, "must be between " + (Llama2cTokenizer.EOS + 1) + " and "
                    + MAX_DIMENSION + (version == 1 ? "" : " in magnitude") + ", found " + signedVocabSize);
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

        long expected;
        try {
            expected = Math.addExact(r.offset(), Llama2cLayout.weightBytes(config, version, shared));
        } catch (ArithmeticException e) {
            throw r.error("weights", r.offset(), "the header's sizes need more than 2^63 bytes (the header is wrong): "
                    + "dim=" + dim + ", hidden_dim=" + hiddenDim + ", n_layers=" + nLayers + ", vocab_size=" + vocabSize
                    + ", seq_len=" + seqLen);
        }
        if (expected != r.length()) {
            throw r.error("weights", r.offset(), "the header's sizes need " + expected + " bytes in all, but the file has "
                    + r.length() + (expected > r.length() ? " (truncated, or the header is wrong)" : " (trailing bytes)"));
        }
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        Llama2cLayout.walk(config, version, shared, new Llama2cLayout.Visitor<ModelFormatException>() {
            @Override
            public void tensor(String name, Shape shape) throws ModelFormatException {
                tensors.put(name, new TensorData(name, DType.F32, shape, r.slice(name, shape.size() * 4)));
            }

            @Override
            public void ropeTables(LlamaConfig c) throws ModelFormatException {
                r.skip("freq_cis_real", Llama2cLayout.ropeTableBytes(c));
                r.skip("freq_cis_imag", Llama2cLayout.ropeTableBytes(c));
            }
        });
        return new Llama2cCheckpoint(file, config, version, tensors);
    }

    private static int readDimension(BinaryReader r, String field) throws ModelFormatException {
        long offset = r.offset();
        int value = r.readInt(field);
        if (value < 1 || value > MAX_DIMENSION) {
            throw r.error(field, offset, "must be between 1 and " + MAX_DIMENSION + ", found " + value);
        }
        return value;
    }

    /** {@return 0 for the legacy layout, else the version number} */
    public int version() {
        return version;
    }

    @Override
    public void close() {
        file.close();
    }
}
