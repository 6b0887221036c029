package dev.forwardpass.models.gguf;

import static dev.forwardpass.models.llama.LlamaTensors.BK;
import static dev.forwardpass.models.llama.LlamaTensors.BQ;
import static dev.forwardpass.models.llama.LlamaTensors.WK;
import static dev.forwardpass.models.llama.LlamaTensors.WQ;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.quant.Dequantizer;
import dev.forwardpass.api.quant.Quantizer;
import dev.forwardpass.models.decoder.Checkpoint;
import dev.forwardpass.models.decoder.DecoderConfig;
import dev.forwardpass.models.decoder.GgufPart;
import dev.forwardpass.models.decoder.TensorTable;
import dev.forwardpass.models.format.TensorData;
import dev.forwardpass.models.llama.LlamaConfig;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a checkpoint of any format as a GGUF file that llama.cpp would have written: {@code general.*} and the
 * family's {@code <arch>.*} keys ({@link GgufHyperparameters}), the tokenizer's keys ({@link GgufTokenizerMetadata}),
 * and every tensor the checkpoint holds under its GGUF name, dimensions innermost first. Where the table says GGUF
 * fuses tensors (GPT-2's {@code attn_qkv}), their rows are written one after another as one tensor; a Llama's query
 * and key rows are put back in the interleaved order llama.cpp's converter writes; a tied classifier is left out, as
 * llama.cpp then reads the token embedding in its place.
 *
 * <p>Each tensor gets the type {@link GgufTensorTypes} chooses for the one asked for. A row whose type does not change
 * is copied; any other is dequantized to F32 ({@link Dequantizer}) and quantized to its new type ({@link Quantizer}),
 * so a quantized source is dequantized and quantized again.
 */
public final class GgufWriter {
    /** Bytes gathered before a write to the file. */
    private static final int BUFFER_BYTES = 1 << 20;

    private GgufWriter() {}

    /**
     * A tensor written with another type than the one asked for, as its rows are not whole blocks of that type.
     *
     * @param tensor its GGUF name
     * @param rowLength the length of its rows
     * @param requested the type asked for
     * @param written the type written
     */
    public record Fallback(String tensor, int rowLength, DType requested, DType written) {}

    /**
     * Writes {@code checkpoint} to {@code out} (replacing it once complete), its tensors as {@code type}.
     *
     * @param name the model's {@code general.name}
     * @return the tensors that fell back to another type
     * @throws IllegalArgumentException if GGUF cannot say what the checkpoint holds (see
     *     {@link GgufHyperparameters#architecture})
     */
    public static List<Fallback> write(Checkpoint<?> checkpoint, String name, DType type,
            GgufTokenizerMetadata tokenizer, Path out) throws IOException {
        String architecture = GgufHyperparameters.architecture(checkpoint.config());
        GgufKeyValues metadata = new GgufKeyValues()
                .string("general.architecture", architecture)
                .string("general.name", name);
        GgufHyperparameters.put(checkpoint.config(), metadata);
        metadata.uint32("general.file_type", GgufFileType.of(type).id);
        metadata.putAll(tokenizer.keyValues());
        List<GgufOutput.Tensor> tensors = new ArrayList<>();
        List<Fallback> fallbacks = new ArrayList<>();
        for (FileTensor tensor : fileTensors(checkpoint, GgufHyperparameters.ropeLayout(architecture))) {
            DType written = GgufTensorTypes.typeOf(tensor.name(), tensor.shape(), type);
            if (GgufTensorTypes.takesTheType(tensor.name(), tensor.shape()) && written != type) {
                fallbacks.add(new Fallback(tensor.name(), tensor.shape().columns(), type, written));
            }
            tensors.add(new GgufOutput.Tensor(tensor.name(), ggmlDims(tensor.shape()),
                    GgmlType.valueOf(written.name()), channel -> tensor.write(written, channel)));
        }
        GgufOutput.write(out, metadata, tensors);
        return fallbacks;
    }

    /** {@return the dimensions of {@code shape} as ggml orders them, innermost first} */
    private static long[] ggmlDims(Shape shape) {
        long[] dims = new long[shape.rank()];
        for (int d = 0; d < dims.length; d++) {
            dims[d] = shape.dim(shape.rank() - 1 - d);
        }
        return dims;
    }

    /** {@return the file's tensors, in the table's order: a fused one where its first part is} */
    private static <C extends Record & DecoderConfig> List<FileTensor> fileTensors(Checkpoint<C> checkpoint,
            RopeLayout storedLayout) throws IOException {
        Map<String, TensorData[]> parts = new LinkedHashMap<>();
        Map<String, int[]> rowOrders = new LinkedHashMap<>();
        C config = checkpoint.config();
        for (TensorTable.Entry<C> entry : checkpoint.architecture().tensors().entries(config.nLayers())) {
            if (!checkpoint.has(entry.name())) {
                continue;                                              // tied, or an optional tensor left out
            }
            GgufPart part = entry.spec().ggufPart();
            String stored = entry.spec().ggufStorageName(entry.layer());
            TensorData[] slots = parts.computeIfAbsent(stored, k -> new TensorData[part == null ? 1 : part.parts()]);
            slots[part == null ? 0 : part.part()] = checkpoint.tensor(entry.name());
            if (config instanceof LlamaConfig llama && llama.ropeLayout() != storedLayout
                    && (entry.spec() == WQ || entry.spec() == WK || entry.spec() == BQ || entry.spec() == BK)) {
                rowOrders.put(stored, ropeRowOrder(slots[0].shape().dim(0), llama.headSize(), storedLayout));
            }
        }
        List<FileTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, TensorData[]> tensor : parts.entrySet()) {
            if (Arrays.asList(tensor.getValue()).contains(null)) {
                throw new IllegalArgumentException(tensor.getKey() + ": the checkpoint holds only some of its parts");
            }
            tensors.add(FileTensor.of(tensor.getKey(), List.of(tensor.getValue()), rowOrders.get(tensor.getKey())));
        }
        return tensors;
    }

    /**
     * {@return for every row of a query or key projection (or bias) stored with {@code to}'s pairs, the row it comes
     * from in the other layout} The rows of each head of {@code headSize} are either interleaved pairs
     * {@code (2i, 2i+1)} or half-split pairs {@code (i, i + headSize/2)}; {@code convert_hf_to_gguf.py}'s
     * {@code permute} takes Hugging Face's half-split rows to interleaved ones.
     */
    static int[] ropeRowOrder(int rows, int headSize, RopeLayout to) {
        int half = headSize / 2;
        int[] order = new int[rows];
        for (int head = 0; head < rows; head += headSize) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    int interleaved = head + 2 * i + j;
                    int halfSplit = head + j * half + i;
                    if (to == RopeLayout.INTERLEAVED) {
                        order[interleaved] = halfSplit;
                    } else {
                        order[halfSplit] = interleaved;
                    }
                }
            }
        }
        return order;
    }

    /**
     * A tensor of the file: the rows of its checkpoint tensors one after another (a fused tensor has several), in
     * {@code rowOrder} when that is not null. A matrix's rows are its rows; a vector's are its elements (whole blocks
     * of its type), so that a bias's elements follow its projection's rows when those are reordered.
     *
     * @param name its GGUF name
     * @param parts the checkpoint tensors it holds
     * @param rowOrder for every row of the file's tensor, the row of the parts' it is, or null for the same order
     * @param shape its shape: the parts' rows stacked
     * @param rowLength the elements of a row
     */
    private record FileTensor(String name, List<TensorData> parts, int[] rowOrder, Shape shape, int rowLength) {

        static FileTensor of(String name, List<TensorData> parts, int[] rowOrder) {
            Shape first = parts.getFirst().shape();
            int rowLength = first.rank() == 1 ? parts.getFirst().dtype().blockSize() : first.columns();
            int rows = 0;
            for (TensorData part : parts) {
                if (part.shape().rank() != first.rank() || (first.rank() == 2 && part.shape().columns() != rowLength)) {
                    throw new IllegalArgumentException(name + ": the parts " + part.name() + " " + part.shape()
                            + " and " + parts.getFirst().name() + " " + first + " do not stack");
                }
                rows += Math.toIntExact(part.shape().size() / rowLength);
            }
            if (rowOrder != null && rowOrder.length != rows) {
                throw new IllegalArgumentException(name + ": " + rowOrder.length + " rows reordered of " + rows);
            }
            Shape shape = first.rank() == 1 ? Shape.of(rows * rowLength) : Shape.of(rows, rowLength);
            return new FileTensor(name, parts, rowOrder, shape, rowLength);
        }

        /** Writes the tensor as {@code type}, row by row. */
        void write(DType type, FileChannel channel) throws IOException {
            long outRowBytes = type.byteSize(rowLength);
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.max(outRowBytes, BUFFER_BYTES / outRowBytes
                    * outRowBytes));
            MemorySegment out = MemorySegment.ofBuffer(buffer);
            float[] row = new float[rowLength];
            int rows = Math.toIntExact(shape.size() / rowLength);
            for (int r = 0; r < rows; r++) {
                int source = rowOrder == null ? r : rowOrder[r];
                int part = 0;
                int partRows;
                while (source >= (partRows = Math.toIntExact(parts.get(part).shape().size() / rowLength))) {
                    source -= partRows;
                    part++;
                }
                TensorData from = parts.get(part);
                long inRowBytes = from.dtype().byteSize(rowLength);
                if (buffer.remaining() < outRowBytes) {
                    GgufOutput.writeFully(channel, buffer.flip());
                    buffer.clear();
                }
                if (from.dtype() == type) {
                    MemorySegment.copy(from.data(), source * inRowBytes, out, buffer.position(), inRowBytes);
                } else {
                    Dequantizer.dequantize(from.dtype(), from.data(), source * inRowBytes, row, 0, rowLength);
                    Quantizer.quantize(type, row, 0, rowLength, out, buffer.position());
                }
                buffer.position(buffer.position() + (int) outRowBytes);
            }
            GgufOutput.writeFully(channel, buffer.flip());
        }
    }
}
