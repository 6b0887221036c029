package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Dequantization.B16;
import static dev.forwardpass.backend.java.kernels.Dequantization.PARTS;
import static dev.forwardpass.backend.java.kernels.Dequantization.VECTORIZED_BLOCKS;
import static dev.forwardpass.backend.java.kernels.Dequantization.highNibbles;
import static dev.forwardpass.backend.java.kernels.Elements.BITS16;
import static dev.forwardpass.backend.java.kernels.VectorMath.F;
import static dev.forwardpass.backend.java.kernels.VectorMath.LE;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import dev.forwardpass.api.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The dot product of a row of weights of a block type with a row of F32 activations, computed on the blocks as they
 * are stored: the inner loop of a decode step's matmul, where the weights stream from memory once and must be
 * consumed as fast as memory delivers them. Per block, the quantized integers are widened to floats, multiplied by x
 * and summed in vector lanes, and the block's partial sums take its scale in one multiply-add; the lanes are summed
 * at the end ({@link VectorMath#sumLanes}). The order of operations is fixed, so a row's result does not depend on the
 * thread or the rows around it. Other block types are dequantized into the workspace first ({@link #fuses}).
 */
final class QuantizedDot {
    private QuantizedDot() {}

    /** {@return whether {@code type} has a fused dot product here}; the others are dequantized first */
    static boolean fuses(DType type) {
        return VECTORIZED_BLOCKS && (type == DType.Q8_0 || type == DType.Q4_0);
    }

    /**
     * {@return the dot product of n weights of {@code type} from byte {@code wAt} of w (whole blocks) with n floats
     * from byte {@code xAt} of x}, for a type that {@link #fuses}.
     */
    static float dot(DType type, MemorySegment w, long wAt, MemorySegment x, long xAt, int n) {
        return switch (type) {
            case Q8_0 -> q8_0(w, wAt, x, xAt, n / 32);
            case Q4_0 -> q4_0(w, wAt, x, xAt, n / 32);
            default -> throw new IllegalArgumentException(type + " has no fused dot product");
        };
    }

    /** Blocks of an F16 scale and 32 signed bytes. */
    private static float q8_0(MemorySegment w, long wAt, MemorySegment x, long xAt, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = wAt + 34L * b;
            long xb = xAt + 128L * b;
            FloatVector sum = FloatVector.zero(F);
            for (int c = 0; c < 2; c++) {
                ByteVector q = ByteVector.fromMemorySegment(B16, w, block + 2 + 16 * c, LE);
                for (int p = 0; p < PARTS; p++) {
                    sum = ((FloatVector) q.convertShape(VectorOperators.B2F, F, p))
                            .fma(fromMemorySegment(F, x, xb + 64L * c + (long) p * F.vectorByteSize(), LE), sum);
                }
            }
            acc = sum.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(BITS16, block))), acc);
        }
        return VectorMath.sumLanes(acc);
    }

    /** Blocks of an F16 scale and 32 nibbles minus 8: elements 0..15 in the low nibbles, 16..31 in the high ones. */
    private static float q4_0(MemorySegment w, long wAt, MemorySegment x, long xAt, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = wAt + 18L * b;
            long xb = xAt + 128L * b;
            ByteVector packed = ByteVector.fromMemorySegment(B16, w, block + 2, LE);
            ByteVector low = packed.and((byte) 0x0F).sub((byte) 8);
            ByteVector high = highNibbles(packed).sub((byte) 8);
            FloatVector sum = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                long xp = xb + (long) p * F.vectorByteSize();
                sum = ((FloatVector) low.convertShape(VectorOperators.B2F, F, p))
                        .fma(fromMemorySegment(F, x, xp, LE), sum);
                sum = ((FloatVector) high.convertShape(VectorOperators.B2F, F, p))
                        .fma(fromMemorySegment(F, x, xp + 64, LE), sum);
            }
            acc = sum.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(BITS16, block))), acc);
        }
        return VectorMath.sumLanes(acc);
    }
}
