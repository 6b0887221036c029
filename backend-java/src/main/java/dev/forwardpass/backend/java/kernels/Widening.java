package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.BITS16;
import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.I;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static dev.forwardpass.backend.java.kernels.VectorMath.S;
import static dev.forwardpass.backend.java.kernels.VectorMath.VECTORIZED;

import dev.forwardpass.api.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Weights of every dtype read as F32, with the Vector API: runs of elements widened (F16, BF16) or dequantized (the
 * block types, by {@link Dequantization}) for a matmul, and rows of an embedding table gathered per token.
 */
public final class Widening {
    private Widening() {}

    /**
     * Gathers one row of the table per token.
     *
     * @param out (B, dim) row b receives table[tokens[b], :]
     * @param table (vocab, dim) in {@code tableType}
     * @param tokens (B,)
     */
    public static void embedding(MemorySegment out, MemorySegment table, DType tableType, int[] tokens, int dim) {
        for (int b = 0; b < tokens.length; b++) {
            widen(table, tableType, (long) tokens[b] * dim, out, (long) b * dim, dim);
        }
    }

    /**
     * Converts {@code count} elements of {@code type} to F32, exactly: every F16 and BF16 value is a float, and a
     * block type gives the floats of its definition ({@link dev.forwardpass.api.quant.Dequantizer}).
     *
     * @param src elements of {@code type}, read from element index {@code srcIndex}; for a block type, srcIndex and
     *     count are whole blocks
     * @param dst F32, written from element index {@code dstIndex}
     */
    public static void widen(MemorySegment src, DType type, long srcIndex, MemorySegment dst, long dstIndex, int count) {
        switch (type) {
            case F32 -> MemorySegment.copy(src, srcIndex * Float.BYTES, dst, dstIndex * Float.BYTES, (long) count * Float.BYTES);
            case F16 -> widenF16(src, srcIndex, dst, dstIndex, count);
            case BF16 -> widenBf16(src, srcIndex, dst, dstIndex, count);
            default -> Dequantization.dequantize(src, type, type.byteSize(srcIndex), dst, dstIndex, count);
        }
    }

    private static void widenF16(MemorySegment src, long srcIndex, MemorySegment dst, long dstIndex, int count) {
        int i = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(count); i < bound; i += F.length()) {
                ShortVector half = ShortVector.fromMemorySegment(S, src, (srcIndex + i) * 2, LE);
                f16ToFloat((IntVector) half.convertShape(VectorOperators.S2I, I, 0))
                        .intoMemorySegment(dst, (dstIndex + i) * Float.BYTES, LE);
            }
        }
        for (; i < count; i++) {
            dst.setAtIndex(F32, dstIndex + i, Float.float16ToFloat(src.getAtIndex(BITS16, srcIndex + i)));
        }
    }

    /**
     * Binary16 to binary32 on sign-extended 16-bit lanes, by bit manipulation (the Vector API has no such
     * conversion): the exponent and mantissa shift into place and a multiplication by 2^112 rebiases the exponent,
     * which also turns binary16 subnormals into the right normal floats; infinities and NaNs keep an all-ones
     * exponent. Agrees with {@link Float#float16ToFloat} on all 65536 inputs (tested).
     */
    private static FloatVector f16ToFloat(IntVector h) {
        IntVector sign = h.and(0x8000_0000); // sign-extended, so bit 31 is the sign
        IntVector magnitude = h.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        IntVector infOrNan = shifted.or(0x7F80_0000);
        VectorMask<Integer> special = magnitude.compare(VectorOperators.GE, 0x7C00);
        return finite.blend(infOrNan, special).or(sign).reinterpretAsFloats();
    }

    private static void widenBf16(MemorySegment src, long srcIndex, MemorySegment dst, long dstIndex, int count) {
        int i = 0;
        if (VECTORIZED) {
            for (int bound = F.loopBound(count); i < bound; i += F.length()) {
                ShortVector half = ShortVector.fromMemorySegment(S, src, (srcIndex + i) * 2, LE);
                // bfloat16 is the upper half of a float: shifting out the sign extension leaves exactly that
                ((IntVector) half.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16)
                        .reinterpretAsFloats()
                        .intoMemorySegment(dst, (dstIndex + i) * Float.BYTES, LE);
            }
        }
        for (; i < count; i++) {
            dst.setAtIndex(F32, dstIndex + i, Elements.bf16ToFloat(src.getAtIndex(BITS16, srcIndex + i)));
        }
    }
}
