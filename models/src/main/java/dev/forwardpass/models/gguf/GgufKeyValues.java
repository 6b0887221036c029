package dev.forwardpass.models.gguf;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Metadata key/value pairs encoded as a GGUF file stores them ({@code gguf_metadata_kv_t}: the key as a
 * {@code gguf_string_t}, the value's type, the value), in the order they are put; {@link GgufFile} reads them back.
 */
final class GgufKeyValues {
    // gguf_metadata_value_type
    private static final int UINT32 = 4;
    private static final int INT32 = 5;
    private static final int FLOAT32 = 6;
    private static final int BOOL = 7;
    private static final int STRING = 8;
    private static final int ARRAY = 9;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Set<String> keys = new LinkedHashSet<>();

    /** Puts a string. */
    GgufKeyValues string(String key, String value) {
        key(key, STRING);
        putString(value);
        return this;
    }

    /** Puts a uint32 (0 to 2^32 - 1). */
    GgufKeyValues uint32(String key, long value) {
        if (value < 0 || value > 0xFFFFFFFFL) {
            throw new IllegalArgumentException(key + ": " + value + " is not a uint32");
        }
        key(key, UINT32);
        putInt((int) value);
        return this;
    }

    /** Puts a float32. */
    GgufKeyValues float32(String key, float value) {
        key(key, FLOAT32);
        putInt(Float.floatToRawIntBits(value));
        return this;
    }

    /** Puts a bool. */
    GgufKeyValues bool(String key, boolean value) {
        key(key, BOOL);
        bytes.write(value ? 1 : 0);
        return this;
    }

    /** Puts an array of strings. */
    GgufKeyValues strings(String key, List<String> values) {
        arrayHeader(key, STRING, values.size());
        values.forEach(this::putString);
        return this;
    }

    /** Puts an array of float32. */
    GgufKeyValues float32s(String key, float[] values) {
        arrayHeader(key, FLOAT32, values.length);
        for (float value : values) {
            putInt(Float.floatToRawIntBits(value));
        }
        return this;
    }

    /** Puts an array of int32. */
    GgufKeyValues int32s(String key, int[] values) {
        arrayHeader(key, INT32, values.length);
        for (int value : values) {
            putInt(value);
        }
        return this;
    }

    /** Puts the pair {@code key} as another file holds it: {@code pair} is its bytes, key included. */
    GgufKeyValues copy(String key, MemorySegment pair) {
        addKey(key);
        bytes.writeBytes(pair.toArray(ValueLayout.JAVA_BYTE));
        return this;
    }

    /** Puts every pair of {@code other}, after those already here. */
    GgufKeyValues putAll(GgufKeyValues other) {
        other.keys.forEach(this::addKey);
        bytes.writeBytes(other.bytes.toByteArray());
        return this;
    }

    /** {@return how many pairs there are} */
    int count() {
        return keys.size();
    }

    /** {@return the pairs' bytes, one after another} */
    byte[] bytes() {
        return bytes.toByteArray();
    }

    private void arrayHeader(String key, int elementType, int length) {
        key(key, ARRAY);
        putInt(elementType);                                           // gguf_metadata_value_type type
        putLong(length);                                               // uint64_t len
    }

    private void key(String key, int type) {
        addKey(key);
        putString(key);                                                // gguf_string_t key
        putInt(type);                                                  // gguf_metadata_value_type value_type
    }

    private void addKey(String key) {
        if (!keys.add(key)) {
            throw new IllegalArgumentException("metadata key " + key + " put twice");
        }
    }

    private void putString(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        putLong(utf8.length);                                          // uint64_t len
        bytes.writeBytes(utf8);                                        // char string[len]
    }

    private void putInt(int value) {
        bytes.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
    }

    private void putLong(long value) {
        bytes.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }
}
