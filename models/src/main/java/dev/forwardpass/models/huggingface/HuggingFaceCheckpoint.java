package dev.forwardpass.models.huggingface;

import dev.forwardpass.api.Shape;
import dev.forwardpass.models.decoder.Architecture;
import dev.forwardpass.models.decoder.DecoderConfig;
import dev.forwardpass.models.decoder.FileCheckpoint;
import dev.forwardpass.models.decoder.HuggingFaceName;
import dev.forwardpass.models.decoder.Presence;
import dev.forwardpass.models.decoder.TensorSpec;
import dev.forwardpass.models.decoder.TensorTable;
import dev.forwardpass.models.decoder.Weights;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.SafetensorsShards;
import dev.forwardpass.models.format.TensorData;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors weights of a Hugging Face folder, read through a family's tensor table: each row's
 * {@link HuggingFaceName} says where the file keeps the tensor. A tensor stored as it is used stays a view of the
 * mapped file; a {@code Conv1D} weight (stored {@code [in, out]}) is transposed once, and a fused one (GPT-2's
 * {@code c_attn}) split, into memory this checkpoint owns (closing it frees them). Every tensor the config needs is
 * checked (present, F32/F16/BF16, shape as the file stores it) when the folder is opened, and an error names the
 * tensor as the file does.
 */
final class HuggingFaceCheckpoint<C extends Record & DecoderConfig> extends FileCheckpoint<C> {
    private static final String CONV1D_NOTE = " (Conv1D: [in_features, out_features])";

    private final SafetensorsShards weights;
    private final Arena converted;                 // owns the transposed copies

    private HuggingFaceCheckpoint(SafetensorsShards weights, Arena converted, Architecture<C> architecture, C config,
            Map<String, TensorData> tensors) {
        super(weights.source(), architecture, config, tensors);
        this.weights = weights;
        this.converted = converted;
    }

    /**
     * Maps the weights of {@code folder} and reads every tensor of {@code architecture}'s table that {@code config}
     * has.
     *
     * @param tied whether the config ties the tied rows to their tensors ({@code tie_word_embeddings}): then the file's
     *     own copy, if any, is not read
     */
    static <C extends Record & DecoderConfig> HuggingFaceCheckpoint<C> open(Path folder, Architecture<C> architecture,
            C config, boolean tied) throws IOException {
        SafetensorsShards weights = SafetensorsShards.open(folder);
        Arena arena = Arena.ofShared();
        try {
            Map<String, TensorData> tensors = new Reader<>(weights, arena, architecture.tensors(), config).read(tied);
            return new HuggingFaceCheckpoint<>(weights, arena, architecture, config, tensors);
        } catch (ModelFormatException | RuntimeException e) {
            arena.close();
            weights.close();
            throw e;
        }
    }

    /** Finds, checks and converts every tensor the config has. */
    private static final class Reader<C extends Record & DecoderConfig> {
        private final SafetensorsShards weights;
        private final Arena arena;
        private final TensorTable<C> table;
        private final C config;
        private final String prefix;

        Reader(SafetensorsShards weights, Arena arena, TensorTable<C> table, C config) {
            this.weights = weights;
            this.arena = arena;
            this.table = table;
            this.config = config;
            // transformers saves "model.layers.0..." (Llama) or "transformer.h.0..." (GPT-2); some files have no prefix
            String first = table.huggingFacePrefix() + table.tensors().getFirst().huggingFace().name();
            this.prefix = weights.contains(first) ? table.huggingFacePrefix() : "";
        }

        Map<String, TensorData> read(boolean tied) throws ModelFormatException {
            // every block has tensors of its own: a larger count is a corrupt config, whose tensor names would fill memory
            int tensorCount = weights.names().size();
            if (config.nLayers() > tensorCount) {
                throw new ModelFormatException(weights.source(), -1,
                        prefix + table.huggingFaceLayerPrefix() + (config.nLayers() - 1), "no such layer: the weights "
                        + "hold " + tensorCount + " tensors, too few for the config's " + config.nLayers() + " layers");
            }
            Map<String, TensorData> out = new LinkedHashMap<>();
            for (TensorTable.Entry<C> entry : table.entries(config.nLayers())) {
                TensorSpec<C> spec = entry.spec();
                Presence presence = spec.presence().apply(config);
                String fileName = fileName(spec.huggingFace(), entry.layer());
                if (presence == Presence.ABSENT || (tied && spec.tiedTo() != null)
                        || (presence == Presence.OPTIONAL && !weights.contains(fileName))) {
                    continue;
                }
                out.put(entry.name(), convert(entry.name(), spec.huggingFace(), fileName, weights.tensor(fileName),
                        spec.shape().apply(config)));
            }
            return out;
        }

        /** {@return the file's name of a tensor: with the prefixes (and the layer), as the file was saved} */
        private String fileName(HuggingFaceName hf, int layer) {
            if (hf.unprefixed()) {
                return hf.name();
            }
            return layer < 0 ? prefix + hf.name() : prefix + table.huggingFaceLayerPrefix() + layer + "." + hf.name();
        }

        /**
         * {@return tensor {@code name} of {@code shape} from the file's tensor {@code file}, called {@code fileName}
         * there}, after checking that the file's tensor has the shape its layout gives
         */
        private TensorData convert(String name, HuggingFaceName hf, String fileName, TensorData file, Shape shape)
                throws ModelFormatException {
            int out = shape.dim(0);
            Shape stored = shape.rank() == 1
                    ? Shape.of(out * hf.parts())
                    : hf.transposed()
                            ? Shape.of(shape.dim(1), out * hf.parts())
                            : Shape.of(out * hf.parts(), shape.dim(1));
            Weights.checkShape(weights.source(), fileName, file.shape(), stored, hf.transposed() ? CONV1D_NOTE : "");
            if (hf.transposed()) {
                return transposeColumns(name, file, hf.part() * out, out);
            }
            long bytes = file.dtype().byteSize(shape.size());
            return new TensorData(name, file.dtype(), shape, file.data().asSlice(hf.part() * bytes, bytes));
        }

        /**
         * {@return the transpose of columns {@code [from, from + count)} of the Conv1D weight {@code src}
         * ({@code [in, out]}): {@code dst[j][i] = src[i][from + j]}, a {@code [count, in]} copy}
         */
        private TensorData transposeColumns(String name, TensorData src, int from, int count) {
            int rows = src.shape().dim(0);      // in_features
            int cols = src.shape().dim(1);      // out_features
            int size = (int) src.dtype().byteSize(1);
            MemorySegment dst = arena.allocate((long) count * rows * size, 64);
            MemorySegment s = src.data();
            // tiles keep both the rows read and the rows written in cache
            int tile = 64;
            for (int i0 = 0; i0 < rows; i0 += tile) {
                for (int j0 = 0; j0 < count; j0 += tile) {
                    int iEnd = Math.min(rows, i0 + tile);
                    int jEnd = Math.min(count, j0 + tile);
                    for (int i = i0; i < iEnd; i++) {
                        long srcRow = (long) i * cols + from;
                        for (int j = j0; j < jEnd; j++) {
                            copyElement(s, srcRow + j, dst, (long) j * rows + i, size);
                        }
                    }
                }
            }
            return new TensorData(name, src.dtype(), Shape.of(count, rows), dst);
        }

        /** Copies element {@code from} of {@code src} to element {@code to} of {@code dst}, bits unchanged. */
        private static void copyElement(MemorySegment src, long from, MemorySegment dst, long to, int size) {
            if (size == 4) {
                dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, to,
                        src.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, from));
            } else if (size == 2) {
                dst.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, to,
                        src.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, from));
            } else {
                throw new IllegalStateException("no transpose for " + size + "-byte elements");
            }
        }
    }

    @Override
    public void close() {
        converted.close();
        weights.close();
    }
}
