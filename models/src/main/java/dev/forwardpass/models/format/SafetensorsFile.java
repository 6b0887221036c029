package dev.forwardpass.models.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Shape;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file (Hugging Face's weight format), memory-mapped: tensors are views of the file, never copies.
 *
 * <p>Layout, as the format's specification gives it:
 * <pre>
 *   uint64 header_size                 little-endian
 *   header_size bytes of UTF-8 JSON:   {"NAME": {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]},
 *                                       ..., "__metadata__": {"key": "value", ...}}   (may be padded with spaces)
 *   the byte buffer                    data_offsets are relative to its start, i.e. to 8 + header_size
 * </pre>
 * Every entry is validated when the file is opened, before anything is sliced: a known dtype, a shape of
 * non-negative integers, {@code 0 <= begin <= end <= buffer length} and {@code end - begin} equal to the shape's
 * element count times the dtype's size. Tensors whose dtype the format knows but ForwardPass does not compute with
 * (I64, F64, ...) are accepted at open and refused, by name, when asked for: checkpoints carry unused integer
 * buffers. Errors carry the tensor's name and the offset of its entry in the file.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The reference implementation refuses larger headers too: a bigger value is a corrupt length, not a model. */
    static final long MAX_HEADER_BYTES = 100L << 20;
    static final String METADATA_KEY = "__metadata__";
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MappedFile file;
    private final long bufferStart;
    private final Map<String, Entry> entries;      // header order
    private final Map<String, String> metadata;

    /**
     * One header entry, validated against the file.
     *
     * @param name the tensor's name in the file
     * @param dtype the format's dtype string (F32, F16, BF16, I64, ...)
     * @param shape outermost first; empty for a scalar
     * @param begin byte offset of the data from the start of the byte buffer
     * @param end byte offset just past the data
     * @param entryOffset byte offset of the entry's name in the file, for error messages
     */
    private record Entry(String name, String dtype, long[] shape, long begin, long end, long entryOffset) {}

    private SafetensorsFile(MappedFile file, long bufferStart, Map<String, Entry> entries,
            Map<String, String> metadata) {
        this.file = file;
        this.bufferStart = bufferStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Maps and validates the safetensors file at {@code path}. */
    public static SafetensorsFile open(Path path) throws IOException {
        return read(MappedFile.open(path));
    }

    /**
     * Validates the safetensors file held by {@code file} and takes ownership of it (closing the returned object
     * closes it; so does a failure here).
     */
    public static SafetensorsFile read(MappedFile file) throws ModelFormatException {
        return file.parseOrClose(SafetensorsFile::parse);
    }

    private static SafetensorsFile parse(MappedFile file) throws ModelFormatException {
        MemorySegment data = file.data();
        String source = file.source();
        if (data.byteSize() < 8) {
            throw new ModelFormatException(source, 0, "header_size",
                    "needs 8 bytes but the file has " + data.byteSize() + " (not a safetensors file)");
        }
        long headerSize = data.get(U64, 0);                                            // uint64 header_size
        if (headerSize < 2 || headerSize > MAX_HEADER_BYTES || headerSize > data.byteSize() - 8) {
            throw new ModelFormatException(source, 0, "header_size", "must be between 2 and "
                    + Math.min(MAX_HEADER_BYTES, data.byteSize() - 8) + " (the bytes after it in a file of "
                    + data.byteSize() + " bytes), found " + Long.toUnsignedString(headerSize)
                    + " (not a safetensors file, or truncated)");
        }
        byte[] header = data.asSlice(8, headerSize).toArray(ValueLayout.JAVA_BYTE);  // UTF-8 JSON header
        long bufferStart = 8 + headerSize;
        long bufferLength = data.byteSize() - bufferStart;
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        if (header[0] != '{') {
            throw new ModelFormatException(source, 8, "header", "must start with '{' (the format allows padding "
                    + "after the JSON, not before), found byte 0x" + Integer.toHexString(header[0] & 0xFF));
        }
        InputFiles.checkNoNul(header, source, 8, "header");
        try (JsonParser p = JSON.createParser(header)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ModelFormatException(source, 8, "header", "must be a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                long entryOffset = 8 + p.currentTokenLocation().getByteOffset();
                p.nextToken();
                JsonNode value = JSON.readTree(p);
                if (entries.containsKey(name) || (name.equals(METADATA_KEY) && !metadata.isEmpty())) {
                    throw new ModelFormatException(source, entryOffset, name, "appears twice in the header");
                }
                if (name.equals(METADATA_KEY)) {
                    metadata = parseMetadata(source, entryOffset, value);
                } else {
                    entries.put(name, parseEntry(source, entryOffset, name, value, bufferLength));
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new ModelFormatException(source, 8, "header", "must be a single JSON object");
            }
        } catch (ModelFormatException e) {
            throw e;
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
            throw new ModelFormatException(source, at < 0 ? 8 : 8 + at, "header",
                    "is not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            // the parser reads from a byte array: any other I/O failure is a parser bug, not the file's
            throw new IllegalStateException("reading an in-memory header failed", e);
        }
        checkLayout(source, entries.values(), bufferLength);
        return new SafetensorsFile(file, bufferStart, Collections.unmodifiableMap(entries), metadata);
    }

    /**
     * Checks that the tensors tile the data exactly, as the format requires: sorted by offset, each begins where the
     * one before ends, the first at 0 and the last at the end of the file. Overlapping tensors would silently share
     * weights, and bytes no tensor owns are a sign of a wrong header.
     */
    private static void checkLayout(String source, Collection<Entry> entries, long bufferLength)
            throws ModelFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        String previous = null;
        for (Entry e : sorted) {
            if (e.begin() != expected) {
                throw new ModelFormatException(source, e.entryOffset(), e.name() + ".data_offsets", "["
                        + e.begin() + ", " + e.end() + "] " + (e.begin() < expected ? "overlaps" : "leaves a gap after")
                        + (previous == null ? " the start of the data" : " tensor '" + previous + "', which ends at "
                        + expected) + " (tensors must follow one another)");
            }
            expected = e.end();
            previous = e.name();
        }
        if (expected != bufferLength) {
            throw new ModelFormatException(source, 8 + expected, "data", (bufferLength - expected) + " bytes after the "
                    + "last tensor belong to none (the format does not allow them; truncated header, or a wrong one)");
        }
    }

    private static Map<String, String> parseMetadata(String source, long offset, JsonNode value)
            throws ModelFormatException {
        if (!value.isObject()) {
            throw new ModelFormatException(source, offset, METADATA_KEY,
                    "must be an object of strings, found " + value);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : value.properties()) {
            if (!e.getValue().isTextual()) {
                throw new ModelFormatException(source, offset, METADATA_KEY + "." + e.getKey(),
                        "must be a string, found " + e.getValue());
            }
            metadata.put(e.getKey(), e.getValue().asText());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static Entry parseEntry(String source, long offset, String name, JsonNode value, long bufferLength)
            throws ModelFormatException {
        if (!value.isObject()) {
            throw new ModelFormatException(source, offset, name, "must be an object with dtype, shape and "
                    + "data_offsets, found " + value);
        }
        JsonNode dtypeNode = value.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new ModelFormatException(source, offset, name + ".dtype", "must be a string, found " + dtypeNode);
        }
        String dtype = dtypeNode.asText();
        int elementBits = elementBits(dtype);
        if (elementBits < 0) {
            throw new ModelFormatException(source, offset, name + ".dtype", "unknown dtype '" + dtype
                    + "' for tensor '" + name + "' (supported: F32, F16, BF16)");
        }
        JsonNode shapeNode = value.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new ModelFormatException(source, offset, name + ".shape", "must be an array, found " + shapeNode);
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToExactIntegral() || !d.canConvertToLong() || d.asLong() < 0) {
                throw new ModelFormatException(source, offset, name + ".shape",
                        "must hold non-negative integers, found " + shapeNode);
            }
            shape[i] = d.asLong();
            try {
                count = Math.multiplyExact(count, shape[i]);
            } catch (ArithmeticException overflow) {
                throw new ModelFormatException(source, offset, name + ".shape", "has too many elements: " + shapeNode);
            }
        }
        JsonNode offsets = value.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !isNonNegativeLong(offsets.get(0)) || !isNonNegativeLong(offsets.get(1))) {
            throw new ModelFormatException(source, offset, name + ".data_offsets",
                    "must be [begin, end] with non-negative integers, found " + offsets);
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin > end || end > bufferLength) {
            throw new ModelFormatException(source, offset, name + ".data_offsets", "[" + begin + ", " + end
                    + "] lies outside the data of " + bufferLength + " bytes (truncated file, or a wrong header)");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(count, elementBits) / 8;
        } catch (ArithmeticException overflow) {
            throw new ModelFormatException(source, offset, name + ".shape", "has too many elements: " + shapeNode);
        }
        if (end - begin != bytes) {
            throw new ModelFormatException(source, offset, name + ".data_offsets", "[" + begin + ", " + end + "] holds "
                    + (end - begin) + " bytes, but shape " + shapeNode + " of " + dtype + " needs " + bytes);
        }
        return new Entry(name, dtype, shape, begin, end, offset);
    }

    private static boolean isNonNegativeLong(JsonNode node) {
        return node.canConvertToExactIntegral() && node.canConvertToLong() && node.asLong() >= 0;
    }

    /** {@return the size in bits of one element of a dtype the format defines, or -1 for a name it does not} */
    static int elementBits(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 64;
            case "F32", "I32", "U32" -> 32;
            case "F16", "BF16", "I16", "U16" -> 16;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2", "F8_E8M0" -> 8;
            default -> -1;
        };
    }

    /** {@return the file's name or path} */
    public String source() {
        return file.source();
    }

    /** {@return the names of the tensors, in the header's order} */
    public Set<String> names() {
        return entries.keySet();
    }

    /** {@return whether the file holds a tensor called {@code name}} */
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** {@return the header's {@code __metadata__} (empty if it has none)} */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** {@return the dtype string of tensor {@code name} as the file states it (also unsupported ones, e.g. I64)} */
    public String dtypeName(String name) throws ModelFormatException {
        return entry(name).dtype();
    }

    /**
     * {@return the tensor called {@code name}, a view of the mapped file} A scalar (shape {@code []}) has shape
     * {@code [1]}.
     *
     * @throws ModelFormatException if there is no such tensor, its dtype is not F32, F16 or BF16, or it is empty
     */
    public TensorData tensor(String name) throws ModelFormatException {
        Entry e = entry(name);
        DType dtype = switch (e.dtype()) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            default -> throw new ModelFormatException(source(), e.entryOffset(), name + ".dtype", "unsupported dtype "
                    + e.dtype() + " for tensor '" + name + "' (supported: F32, F16, BF16)");
        };
        int[] dims = new int[Math.max(1, e.shape().length)];
        Arrays.fill(dims, 1);
        for (int i = 0; i < e.shape().length; i++) {
            if (e.shape()[i] < 1 || e.shape()[i] > Integer.MAX_VALUE) {
                throw new ModelFormatException(source(), e.entryOffset(), name + ".shape",
                        "dimensions must be between 1 and " + Integer.MAX_VALUE + ", found " + Arrays.toString(e.shape()));
            }
            dims[i] = (int) e.shape()[i];
        }
        MemorySegment slice = file.data().asSlice(bufferStart + e.begin(), e.end() - e.begin());
        return new TensorData(name, dtype, Shape.of(dims), slice);
    }

    private Entry entry(String name) throws ModelFormatException {
        Entry e = entries.get(name);
        if (e == null) {
            throw new ModelFormatException(source(), -1, name, "no such tensor (the file has " + entries.size() + ")");
        }
        return e;
    }

    /** Unmaps the file: tensors it gave out must not be used afterwards. */
    @Override
    public void close() {
        file.close();
    }
}
