package dev.forwardpass.models.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forwardpass.api.DType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes safetensors files from the format's definition: an 8-byte little-endian header size, a JSON header padded
 * with spaces to a multiple of 8 bytes, then the tensors' bytes back to back in the order they were added.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Entry(String name, String dtype, long[] shape, byte[] bytes) {}

    private final List<Entry> entries = new ArrayList<>();

    /** Adds {@code values} stored as {@code dtype} (F16 and BF16 rounded to nearest even); {@return this} */
    public SafetensorsWriter add(String name, DType dtype, int[] shape, float[] values) {
        long[] dims = new long[shape.length];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[i];
            count *= shape[i];
        }
        if (count != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for " + count + " elements");
        }
        ByteBuffer b = ByteBuffer.allocate((int) dtype.byteSize(values.length)).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (dtype) {
                case F32 -> b.putFloat(v);
                case F16 -> b.putShort(Float.floatToFloat16(v));
                case BF16 -> b.putShort(toBf16(v));
            }
        }
        return addRaw(name, dtype.name(), dims, b.array());
    }

    /** Adds a tensor with any dtype string and raw bytes, valid or not (for malformed files); {@return this} */
    public SafetensorsWriter addRaw(String name, String dtype, long[] shape, byte[] bytes) {
        entries.add(new Entry(name, dtype, shape.clone(), bytes.clone()));
        return this;
    }

    /** {@return {@code value} as it reads back after being stored as {@code dtype}} */
    public static float round(float value, DType dtype) {
        return switch (dtype) {
            case F32 -> value;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(value));
            case BF16 -> Float.intBitsToFloat((toBf16(value) & 0xFFFF) << 16);
            default -> throw new IllegalArgumentException("safetensors has no " + dtype);
        };
    }

    /** {@return every value rounded as {@link #round} does} */
    public static float[] round(float[] values, DType dtype) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = round(values[i], dtype);
        }
        return out;
    }

    /** bfloat16 bits of {@code v}, rounded to nearest even (as PyTorch converts). */
    private static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** {@return the header JSON this writer would write} */
    public String header() {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = root.putObject(e.name());
            t.put("dtype", e.dtype());
            var shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + e.bytes().length);
            offset += e.bytes().length;
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return the whole file} */
    public byte[] toBytes() {
        return file(header(), data());
    }

    /** {@return the tensors' bytes, back to back} */
    public byte[] data() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        entries.forEach(e -> out.writeBytes(e.bytes()));
        return out.toByteArray();
    }

    /** {@return a file made of {@code header} (padded with spaces to a multiple of 8) and {@code data}} */
    public static byte[] file(String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) {
            b.put((byte) ' ');
        }
        b.put(data);
        return b.array();
    }

    /** Writes the file to {@code path}; {@return path} */
    public Path write(Path path) {
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            return Files.write(path, toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
