package dev.forwardpass.models.gguf;

import dev.forwardpass.models.format.OutputFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a GGUF version 3 file as the specification lays it out: the header, the metadata pairs, the tensor infos,
 * then every tensor's data at the next multiple of 32 bytes (GGUF's default alignment, so {@code general.alignment} is
 * not written). The file is written beside {@code out} ({@code out.part}) and moved over it once complete, so that a
 * failure leaves no half-written file and an input mapped from {@code out} itself stays readable while it is read.
 */
final class GgufOutput {
    static final int VERSION = 3;

    private GgufOutput() {}

    /** Writes one tensor's data: exactly {@link Tensor#byteSize()} bytes. */
    @FunctionalInterface
    interface TensorBytes {
        void writeTo(FileChannel channel) throws IOException;
    }

    /**
     * A tensor of the file.
     *
     * @param name its name
     * @param dims its dimensions as ggml orders them, innermost (a row's length) first
     * @param type its type
     * @param data writes its bytes
     */
    record Tensor(String name, long[] dims, GgmlType type, TensorBytes data) {
        long byteSize() {
            long elements = 1;
            for (long d : dims) {
                elements = Math.multiplyExact(elements, d);
            }
            return elements / type.blockElements * type.blockBytes;
        }
    }

    /** Writes {@code metadata} and {@code tensors} as a GGUF file at {@code out}, replacing it. */
    static void write(Path out, GgufKeyValues metadata, List<Tensor> tensors) throws IOException {
        OutputFiles.replace(out, channel -> {
            writeFully(channel, header(metadata, tensors));
            for (Tensor tensor : tensors) {
                long start = channel.position();
                tensor.data().writeTo(channel);
                if (channel.position() - start != tensor.byteSize()) {
                    throw new IllegalStateException(tensor.name() + ": " + (channel.position() - start)
                            + " bytes written for a tensor of " + tensor.byteSize());
                }
                writeFully(channel, ByteBuffer.allocate(padding(channel.position())));
            }
        });
    }

    /** {@return everything before the tensor data, padded to the alignment} */
    private static ByteBuffer header(GgufKeyValues metadata, List<Tensor> tensors) {
        byte[] pairs = metadata.bytes();
        long size = 24L + pairs.length;
        for (Tensor tensor : tensors) {
            size += 8 + tensor.name().getBytes(StandardCharsets.UTF_8).length + 4 + 8L * tensor.dims().length + 4 + 8;
        }
        ByteBuffer header = ByteBuffer.allocate(Math.toIntExact(size + padding(size))).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(GgufFile.MAGIC)                                  // uint32_t magic
                .putInt(VERSION)                                       // uint32_t version
                .putLong(tensors.size())                               // uint64_t tensor_count
                .putLong(metadata.count())                             // uint64_t metadata_kv_count
                .put(pairs);                                           // gguf_metadata_kv_t metadata_kv[]
        long offset = 0;
        for (Tensor tensor : tensors) {                                // gguf_tensor_info_t tensor_infos[]
            byte[] name = tensor.name().getBytes(StandardCharsets.UTF_8);
            header.putLong(name.length).put(name);                     // gguf_string_t name
            header.putInt(tensor.dims().length);                       // uint32_t n_dimensions
            for (long d : tensor.dims()) {
                header.putLong(d);                                     // uint64_t dimensions[n_dimensions]
            }
            header.putInt(tensor.type().id);                           // ggml_type type
            header.putLong(offset);                                    // uint64_t offset, from the data's start
            offset += tensor.byteSize() + padding(tensor.byteSize());
        }
        return header.clear();
    }

    /** {@return the zero bytes that take {@code position} to the next multiple of the alignment} */
    private static int padding(long position) {
        return (int) (Math.ceilDiv(position, GgufFile.DEFAULT_ALIGNMENT) * GgufFile.DEFAULT_ALIGNMENT - position);
    }

    static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
