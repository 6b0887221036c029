package dev.forwardpass.models.gguf;

import dev.forwardpass.models.format.BinaryReader;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.format.ModelFormatException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a GGUF file (llama.cpp's format, versions 2 and 3), read field by field as the specification
 * declares it: the metadata key/value pairs, every value type including nested arrays, and the tensor infos. Every
 * count, length, offset and size is checked against the bytes left in the file before it is used, so a lying count
 * neither allocates nor loops. The tensor data stays in the mapped file.
 *
 * @param version the file's version
 * @param metadata every key/value pair, in file order: integers as {@link Long}, floats as {@link Double},
 *     {@link Boolean}, {@link String}, arrays as {@link List}
 * @param metadataBytes every key/value pair as the file's bytes (key, value type and value), to copy verbatim
 * @param tensors every tensor info, by name, in file order
 * @param alignment {@code general.alignment}, or 32
 */
record GgufFile(int version, Map<String, Object> metadata, Map<String, MemorySegment> metadataBytes,
        Map<String, TensorInfo> tensors, long alignment) {
    /** "GGUF" read as a little-endian uint32. */
    static final int MAGIC = 0x46554747;
    static final long DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS. */
    static final int MAX_DIMS = 4;

    /**
     * One tensor's place in the file.
     *
     * @param name its name
     * @param dims its dimensions as ggml orders them, innermost (a row's length) first
     * @param type its element type
     * @param data its bytes, a view of the mapped file
     */
    record TensorInfo(String name, long[] dims, GgmlType type, MemorySegment data) {}

    /** {@return whether {@code data} starts with GGUF's magic} */
    static boolean isGguf(MemorySegment data) {
        return data.byteSize() >= 4
                && data.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0) == MAGIC;
    }

    /** Reads and checks the header of {@code file}. */
    static GgufFile read(MappedFile file) throws ModelFormatException {
        BinaryReader r = file.reader();
        long magicOffset = r.offset();
        if (r.readInt("magic") != MAGIC) {                             // uint32_t magic
            throw r.error("magic", magicOffset, "not a GGUF file");
        }
        long versionOffset = r.offset();
        int version = r.readInt("version");                            // uint32_t version
        if (version != 2 && version != 3) {
            throw r.error("version", versionOffset, "unsupported GGUF version " + Integer.toUnsignedString(version)
                    + " (supported: 2, 3; version 1 files predate llama.cpp's 2023 format and need converting)");
        }
        long tensorCount = readCount(r, "tensor_count", 32);           // uint64_t tensor_count
        long metadataCount = readCount(r, "metadata_kv_count", 13);    // uint64_t metadata_kv_count
        Map<String, Object> metadata = new LinkedHashMap<>();
        Map<String, MemorySegment> metadataBytes = new LinkedHashMap<>();
        for (long i = 0; i < metadataCount; i++) {                     // gguf_metadata_kv_t metadata_kv[]
            long keyOffset = r.offset();
            String key = readString(r, "metadata key");                // gguf_string_t key
            int type = r.readInt(key + ".type");                       // gguf_metadata_value_type value_type
            if (metadata.put(key, readValue(r, key, type, 0)) != null) {
                throw r.error(key, keyOffset, "key appears twice");
            }
            metadataBytes.put(key, file.data().asSlice(keyOffset, r.offset() - keyOffset));
        }
        long alignment = alignment(r, metadata);
        List<long[]> dims = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<GgmlType> types = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        List<Long> infoOffsets = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {                       // gguf_tensor_info_t tensor_infos[]
            infoOffsets.add(r.offset());
            String name = readString(r, "tensor name");                // gguf_string_t name
            long dimsOffset = r.offset();
            int nDims = r.readInt(name + ".n_dimensions");             // uint32_t n_dimensions
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw r.error(name + ".n_dimensions", dimsOffset, "must be 1 to " + MAX_DIMS + ", found "
                        + Integer.toUnsignedString(nDims));
            }
            long[] ne = new long[nDims];
            for (int d = 0; d < nDims; d++) {                          // uint64_t dimensions[n_dimensions]
                long dimOffset = r.offset();
                ne[d] = r.readLong(name + ".dimensions");
                if (ne[d] < 1 || ne[d] > Integer.MAX_VALUE) {
                    throw r.error(name + ".dimensions", dimOffset, "must be 1 to " + Integer.MAX_VALUE + ", found "
                            + Long.toUnsignedString(ne[d]));
                }
            }
            long typeOffset = r.offset();
            int typeId = r.readInt(name + ".type");                    // ggml_type type
            GgmlType type = GgmlType.of(typeId);
            if (type == null) {
                throw r.error(name + ".type", typeOffset, "unknown ggml type " + Integer.toUnsignedString(typeId));
            }
            if (ne[0] % type.blockElements != 0) {
                throw r.error(name + ".dimensions", dimsOffset + 4, "a row of " + ne[0] + " elements is not a whole "
                        + "number of " + type + " blocks of " + type.blockElements);
            }
            long size = bytes(ne, type);
            if (size < 0) {
                throw r.error(name + ".dimensions", dimsOffset + 4, "the tensor's size overflows: "
                        + Arrays.toString(ne) + " elements of " + type);
            }
            long offset = r.readLong(name + ".offset");                // uint64_t offset
            names.add(name);
            dims.add(ne);
            types.add(type);
            offsets.add(offset);
            sizes.add(size);
        }
        // the tensor data starts at the next multiple of the alignment
        long dataStart = Math.ceilDiv(r.offset(), alignment) * alignment;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Integer[] byOffset = new Integer[names.size()];
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            long offset = offsets.get(i);
            long bytes = sizes.get(i);
            if (offset < 0 || offset % alignment != 0 || offset > r.length() - dataStart
                    || bytes > r.length() - dataStart - offset) {
                throw r.error(name + ".offset", infoOffsets.get(i), "data at " + Long.toUnsignedString(offset) + " ("
                        + bytes + " bytes) must be a multiple of " + alignment + " within the "
                        + Math.max(0, r.length() - dataStart) + " bytes of tensor data");
            }
            MemorySegment data = file.data().asSlice(dataStart + offset, bytes);
            if (tensors.put(name, new TensorInfo(name, dims.get(i), types.get(i), data)) != null) {
                throw r.error("tensor name", infoOffsets.get(i), "tensor '" + name + "' appears twice");
            }
            byOffset[i] = i;
        }
        // two tensors sharing bytes would make writing one change the other: a file that does it is corrupt
        Arrays.sort(byOffset, Comparator.comparingLong(offsets::get));
        for (int k = 1; k < byOffset.length; k++) {
            int before = byOffset[k - 1];
            int i = byOffset[k];
            long end = offsets.get(before) + sizes.get(before);
            if (offsets.get(i) < end) {
                throw r.error(names.get(i) + ".offset", infoOffsets.get(i), "data at " + offsets.get(i)
                        + " overlaps tensor '" + names.get(before) + "', which ends at " + end);
            }
        }
        return new GgufFile(version, Collections.unmodifiableMap(metadata),
                Collections.unmodifiableMap(metadataBytes), Collections.unmodifiableMap(tensors), alignment);
    }

    /** {@return the bytes of a tensor of {@code dims} elements of {@code type}, or -1 if they overflow a long} */
    private static long bytes(long[] dims, GgmlType type) {
        long elements = elements(dims);
        return elements < 0 || elements / type.blockElements > Long.MAX_VALUE / type.blockBytes
                ? -1 : elements / type.blockElements * type.blockBytes;
    }

    /** {@return the product of {@code dims} (each at least 1), or -1 if it overflows a long} */
    private static long elements(long[] dims) {
        long elements = 1;
        for (long d : dims) {
            if (elements > Long.MAX_VALUE / d) {
                return -1;
            }
            elements *= d;
        }
        return elements;
    }

    /** Reads a uint64 count of items each at least {@code minBytes} long, after checking the file can hold them. */
    private static long readCount(BinaryReader r, String field, int minBytes) throws ModelFormatException {
        long offset = r.offset();
        long count = r.readLong(field);
        if (count < 0 || count > r.remaining() / minBytes) {
            throw r.error(field, offset, Long.toUnsignedString(count) + " items of at least " + minBytes
                    + " bytes each do not fit in the " + r.remaining() + " bytes left");
        }
        return count;
    }

    /** Reads a gguf_string_t: a uint64 length and that many bytes of UTF-8. */
    private static String readString(BinaryReader r, String field) throws ModelFormatException {
        long offset = r.offset();
        long length = r.readLong(field + " length");                   // uint64_t len
        if (length < 0 || length > Math.min(r.remaining(), Integer.MAX_VALUE - 8)) {
            throw r.error(field, offset, "a string of " + Long.toUnsignedString(length) + " bytes does not fit in the "
                    + r.remaining() + " bytes left");
        }
        byte[] bytes = r.readBytes(field, (int) length);               // char string[len]
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw r.error(field, offset, "not valid UTF-8");
        }
    }

    /** Reads one gguf_metadata_value_t of {@code type}; arrays nest at most a few levels. */
    private static Object readValue(BinaryReader r, String key, int type, int depth) throws ModelFormatException {
        long offset = r.offset();
        return switch (type) {
            case 0 -> (long) r.readUnsignedByte(key);                  // UINT8
            case 1 -> (long) (byte) r.readUnsignedByte(key);           // INT8
            case 2 -> (long) Short.toUnsignedInt(r.readShort(key));    // UINT16
            case 3 -> (long) r.readShort(key);                         // INT16
            case 4 -> Integer.toUnsignedLong(r.readInt(key));          // UINT32
            case 5 -> (long) r.readInt(key);                           // INT32
            case 6 -> (double) r.readFloat(key);                       // FLOAT32
            case 7 -> readBool(r, key);                                // BOOL
            case 8 -> readString(r, key);                              // STRING
            case 9 -> readArray(r, key, depth);                        // ARRAY
            case 10 -> r.readLong(key);                                // UINT64 (above 2^63: negative)
            case 11 -> r.readLong(key);                                // INT64
            case 12 -> r.readDouble(key);                              // FLOAT64
            default -> throw r.error(key + ".type", offset - 4, "unknown metadata value type "
                    + Integer.toUnsignedString(type));
        };
    }

    private static Boolean readBool(BinaryReader r, String key) throws ModelFormatException {
        long offset = r.offset();
        int value = r.readUnsignedByte(key);
        if (value > 1) {
            throw r.error(key, offset, "a bool must be 0 or 1, found " + value);
        }
        return value == 1;
    }

    private static List<Object> readArray(BinaryReader r, String key, int depth) throws ModelFormatException {
        if (depth >= 8) {
            throw r.error(key, r.offset(), "arrays nested deeper than 8 levels");
        }
        long typeOffset = r.offset();
        int elementType = r.readInt(key + ".array_type");              // gguf_metadata_value_type type
        int minBytes = switch (elementType) {
            case 0, 1, 7 -> 1;
            case 2, 3 -> 2;
            case 4, 5, 6 -> 4;
            case 8, 10, 11, 12 -> 8;
            case 9 -> 12;
            default -> throw r.error(key + ".array_type", typeOffset, "unknown metadata value type "
                    + Integer.toUnsignedString(elementType));
        };
        long count = readCount(r, key + ".array_length", minBytes);    // uint64_t len
        List<Object> values = new ArrayList<>((int) Math.min(count, 1 << 16));
        for (long i = 0; i < count; i++) {                             // gguf_metadata_value_t array[len]
            values.add(readValue(r, key, elementType, depth + 1));
        }
        return Collections.unmodifiableList(values);
    }

    private static long alignment(BinaryReader r, Map<String, Object> metadata) throws ModelFormatException {
        Object value = metadata.get("general.alignment");
        if (value == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (!(value instanceof Long alignment) || alignment < 1 || alignment > (1 << 20)
                || Long.bitCount(alignment) != 1) {
            throw r.error("general.alignment", -1, "must be a power of two up to 2^20, found " + value);
        }
        return alignment;
    }
}
