package dev.forwardpass.backend.java.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Reads and writes single tensor elements. Tensors are little-endian on every platform (the file formats are), and
 * segments from files need not be aligned, hence the unaligned little-endian layouts.
 */
public final class Elements {
    /** A little-endian binary32 at any byte offset. */
    public static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A little-endian 16-bit element (binary16 or bfloat16 bits) at any byte offset. */
    public static final ValueLayout.OfShort BITS16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Elements() {}

    /** {@return element {@code index} (counted in elements, not bytes) of {@code segment} as F32} */
    public static float getFloat(MemorySegment segment, long index) {
        return segment.getAtIndex(F32, index);
    }

    /** Sets element {@code index} (counted in elements, not bytes) of the F32 {@code segment}. */
    public static void setFloat(MemorySegment segment, long index, float value) {
        segment.setAtIndex(F32, index, value);
    }

    /** {@return the float whose upper 16 bits are {@code bits}: bfloat16 is a truncated binary32} */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}
