package dev.forwardpass.models.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Sequential little-endian reads over a (usually memory-mapped) file. Every read names its field, so that a short
 * or lying file produces a {@link ModelFormatException} with the field and offset, and every count is checked
 * against the bytes that remain before anything is sliced or allocated.
 */
public final class BinaryReader {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment data;
    private final String source;
    private long offset;

    /**
     * @param data the whole file
     * @param source the file's name for error messages
     */
    public BinaryReader(MemorySegment data, String source) {
        this.data = data;
        this.source = source;
    }

    /** {@return the file's name for error messages} */
    public String source() {
        return source;
    }

    /** {@return the offset of the next read} */
    public long offset() {
        return offset;
    }

    /** {@return the file's length in bytes} */
    public long length() {
        return data.byteSize();
    }

    /** {@return how many bytes remain after the current offset} */
    public long remaining() {
        return data.byteSize() - offset;
    }

    /** Moves to an absolute offset, which must lie within the file. */
    public void seek(String field, long newOffset) throws ModelFormatException {
        if (newOffset < 0 || newOffset > data.byteSize()) {
            throw new ModelFormatException(source, offset, field,
                    "offset " + newOffset + " lies outside the file (" + data.byteSize() + " bytes)");
        }
        offset = newOffset;
    }

    /** Checks that {@code bytes} more bytes can be read from the current offset. */
    public void require(String field, long bytes) throws ModelFormatException {
        if (bytes < 0) {
            throw new ModelFormatException(source, offset, field, "size must not be negative, found " + bytes);
        }
        if (bytes > remaining()) {
            throw new ModelFormatException(source, offset, field, "needs " + bytes + " bytes but only " + remaining()
                    + " remain (the file is " + data.byteSize() + " bytes: truncated, or its header is wrong)");
        }
    }

    /** Reads a little-endian int32. */
    public int readInt(String field) throws ModelFormatException {
        return data.get(INT, advance(field, 4));
    }

    /** Reads a little-endian int64. */
    public long readLong(String field) throws ModelFormatException {
        return data.get(LONG, advance(field, 8));
    }

    /** Reads a little-endian int16. */
    public short readShort(String field) throws ModelFormatException {
        return data.get(SHORT, advance(field, 2));
    }

    /** Reads a little-endian IEEE binary64. */
    public double readDouble(String field) throws ModelFormatException {
        return data.get(DOUBLE, advance(field, 8));
    }

    /** Reads a little-endian IEEE binary32. */
    public float readFloat(String field) throws ModelFormatException {
        return data.get(FLOAT, advance(field, 4));
    }

    /** Reads one unsigned byte. */
    public int readUnsignedByte(String field) throws ModelFormatException {
        return Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, advance(field, 1)));
    }

    /** Reads {@code count} bytes into a new array, after checking that the file holds them. */
    public byte[] readBytes(String field, int count) throws ModelFormatException {
        return data.asSlice(advance(field, count), count).toArray(ValueLayout.JAVA_BYTE);
    }

    /** {@return a view of the next {@code bytes} bytes (no copy)}, after checking that the file holds them. */
    public MemorySegment slice(String field, long bytes) throws ModelFormatException {
        return data.asSlice(advance(field, bytes), bytes);
    }

    /** Skips {@code bytes} bytes, after checking that the file holds them. */
    public void skip(String field, long bytes) throws ModelFormatException {
        advance(field, bytes);
    }

    /** {@return the offset of a read of {@code bytes} bytes}, after checking that the file holds them; moves past them */
    private long advance(String field, long bytes) throws ModelFormatException {
        require(field, bytes);
        long at = offset;
        offset += bytes;
        return at;
    }

    /** {@return an exception for {@code field}, whose value was read just before the current offset} */
    public ModelFormatException error(String field, long fieldOffset, String problem) {
        return new ModelFormatException(source, fieldOffset, field, problem);
    }
}
