package dev.forwardpass.models.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes GGUF bytes field by field, as the specification lays them out, for tests of well- and ill-formed files. */
final class GgufBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    GgufBytes u32(long value) {
        return put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) value));
    }

    GgufBytes u64(long value) {
        return put(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value));
    }

    GgufBytes f32(float value) {
        return put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value));
    }

    GgufBytes string(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        u64(bytes.length);
        out.writeBytes(bytes);
        return this;
    }

    /** The magic, the version and the two counts. */
    GgufBytes header(int version, long tensorCount, long metadataCount) {
        return u32(GgufFile.MAGIC).u32(version).u64(tensorCount).u64(metadataCount);
    }

    /** A metadata pair whose value is a string. */
    GgufBytes kv(String key, String value) {
        return string(key).u32(8).string(value);
    }

    /** A metadata pair whose value is a uint32. */
    GgufBytes kv(String key, long value) {
        return string(key).u32(4).u32(value);
    }

    /** The six metadata pairs of a one-layer Llama of width 32, 4 heads, a hidden width of 64 and a context of 16. */
    GgufBytes tinyLlamaMetadata() {
        return kv("general.architecture", "llama").kv("llama.embedding_length", 32)
                .kv("llama.feed_forward_length", 64).kv("llama.block_count", 1).kv("llama.attention.head_count", 4)
                .kv("llama.context_length", 16);
    }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    GgufBytes align(int alignment) {
        while (out.size() % alignment != 0) {
            out.write(0);
        }
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    private GgufBytes put(ByteBuffer buffer) {
        out.writeBytes(buffer.array());
        return this;
    }
}
