package dev.forwardpass.models.gguf;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;
import dev.forwardpass.models.decoder.Architecture;
import dev.forwardpass.models.decoder.Checkpoint;
import dev.forwardpass.models.decoder.DecoderConfig;
import dev.forwardpass.models.decoder.FileCheckpoint;
import dev.forwardpass.models.decoder.GgufPart;
import dev.forwardpass.models.decoder.TensorTable;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.TensorData;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A GGUF file (llama.cpp's format) read through its family's tensor table: GGUF's tensor names are the tables' own,
 * so every tensor of the table the file holds is a view of the mapped file, its shape the file's dimensions read
 * outermost first. {@code general.architecture} says the family ({@link GgufArchitectures}); the vocabulary's size is
 * the token embedding's.
 */
public final class GgufCheckpoint<C extends Record & DecoderConfig> extends FileCheckpoint<C> {
    private final MappedFile file;

    private GgufCheckpoint(MappedFile file, Architecture<C> architecture, C config, Map<String, TensorData> tensors) {
        super(file.source(), architecture, config, tensors);
        this.file = file;
    }

    /** {@return whether {@code data} starts like a GGUF file} */
    public static boolean isGguf(MemorySegment data) {
        return GgufFile.isGguf(data);
    }

    /**
     * Validates the GGUF file held by {@code file} and takes ownership of it (closing the checkpoint closes it; so
     * does a failure here).
     *
     * @param contextLimit the longest context a session holds, or 0 for the file's {@code context_length}
     */
    public static Checkpoint<?> read(MappedFile file, int contextLimit) throws ModelFormatException {
        return file.parseOrClose(f -> {
            GgufFile gguf = GgufFile.read(f);
            GgufMetadata metadata = new GgufMetadata(f.source(), gguf.metadata());
            return open(f, gguf, metadata, GgufArchitectures.of(metadata), contextLimit);
        });
    }

    private static <C extends Record & DecoderConfig> GgufCheckpoint<C> open(MappedFile file, GgufFile gguf,
            GgufMetadata metadata, GgufArchitectures.Entry<C> entry, int contextLimit) throws ModelFormatException {
        GgufFile.TensorInfo embedding = gguf.tensors().get("token_embd.weight");
        if (embedding == null || embedding.dims().length != 2) {
            throw new ModelFormatException(file.source(), -1, "token_embd.weight",
                    embedding == null ? "no such tensor in the file" : "must have 2 dimensions");
        }
        C config = entry.configReader().read(metadata, (int) embedding.dims()[1], contextLimit);
        // every block has tensors of its own: a larger count is a corrupt header, whose tensor names would fill memory
        if (config.nLayers() > gguf.tensors().size()) {
            throw metadata.error(metadata.string("general.architecture") + ".block_count", "is " + config.nLayers()
                    + ", but the file holds only " + gguf.tensors().size() + " tensors");
        }
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        Set<String> read = new HashSet<>();
        for (TensorTable.Entry<C> row : entry.architecture().tensors().entries(config.nLayers())) {
            String stored = row.spec().ggufStorageName(row.layer());
            GgufFile.TensorInfo info = gguf.tensors().get(stored);
            if (info != null) {
                read.add(stored);
                TensorData data = tensorData(file.source(), info);
                GgufPart part = row.spec().ggufPart();
                tensors.put(row.name(), part == null ? data : part(file.source(), data, part, row.name()));
            }
        }
        // a tensor the family's table does not know (Llama 3's rope_freqs, say) changes the computation: refuse it
        // rather than run without it
        for (String name : gguf.tensors().keySet()) {
            if (!read.contains(name)) {
                throw new ModelFormatException(file.source(), -1, name, "a tensor " + entry.architecture().name()
                        + " models do not have (a feature of the file this reader does not support)");
            }
        }
        return new GgufCheckpoint<>(file, entry.architecture(), config, tensors);
    }

    /** {@return the tensor as the backends take it: row-major shape, outermost dimension first} */
    private static TensorData tensorData(String source, GgufFile.TensorInfo info) throws ModelFormatException {
        DType dtype = info.type().dtype();
        if (dtype == null) {
            throw new ModelFormatException(source, -1, info.name(), "unsupported tensor type " + info.type()
                    + " for '" + info.name() + "' (supported: " + GgmlType.supported() + ")");
        }
        int[] shape = new int[info.dims().length];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = (int) info.dims()[shape.length - 1 - d];
        }
        return new TensorData(info.name(), dtype, Shape.of(shape), info.data());
    }

    /** {@return slice {@code part} of the fused tensor {@code fused} along its outermost dimension, named {@code name}} */
    private static TensorData part(String source, TensorData fused, GgufPart part, String name)
            throws ModelFormatException {
        int[] dims = new int[fused.shape().rank()];
        for (int d = 0; d < dims.length; d++) {
            dims[d] = fused.shape().dim(d);
        }
        if (dims[0] % part.parts() != 0) {
            throw new ModelFormatException(source, -1, fused.name(), "holds " + part.parts() + " tensors along its "
                    + "first dimension, which must divide into them: found " + fused.shape());
        }
        dims[0] /= part.parts();
        Shape shape = Shape.of(dims);
        long bytes = fused.dtype().byteSize(shape.size());
        return new TensorData(name, fused.dtype(), shape, fused.data().asSlice(part.part() * bytes, bytes));
    }

    @Override
    public void close() {
        file.close();
    }
}
