package dev.forwardpass.models.format;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;
import java.lang.foreign.MemorySegment;

/**
 * The raw bytes of one tensor in a model file, as a loader found them: a view of the mapped file (no copy).
 *
 * @param name the tensor's name in ForwardPass's vocabulary (GGUF's: {@code blk.0.attn_q.weight})
 * @param dtype element type
 * @param shape row-major shape, outermost first ({@code [out_features, in_features]} for a linear weight)
 * @param data exactly {@code dtype.byteSize(shape.size())} little-endian bytes
 */
public record TensorData(String name, DType dtype, Shape shape, MemorySegment data) {
    public TensorData {
        checkArgument(shape.size() % dtype.blockSize() == 0 && data.byteSize() == dtype.byteSize(shape.size()),
                "tensor %s: %s bytes do not hold %s %s", name, data.byteSize(), shape, dtype);
    }
}
