package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.F32;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector width of every Vector API kernel in this package, and the arithmetic they share: a sum of lanes in a
 * fixed order, {@code exp}, and the dot product.
 *
 * <p>The vector width comes from the system property {@value #VECTOR_BITS_PROPERTY}: unset for the CPU's widest,
 * {@code 128}, {@code 256} or {@code 512} for that width, or {@code 0} to leave the Vector API out entirely (every op
 * then runs its scalar tail loop over all elements), so that every path can be tested on any machine.
 */
public final class VectorMath {
    /** The system property that picks the vector width in bits: 128, 256, 512, or 0 for no Vector API. */
    public static final String VECTOR_BITS_PROPERTY = "dev.forwardpass.vectorBits";

    private static final int VECTOR_BITS = vectorBitsFromProperty();
    /** Whether the vector bodies run at all; false leaves only the scalar tails. */
    static final boolean VECTORIZED = VECTOR_BITS != 0;
    /** Lanes of activations and widened weights. */
    static final VectorSpecies<Float> F = VECTOR_BITS <= 0
            ? FloatVector.SPECIES_PREFERRED
            : VectorSpecies.of(float.class, VectorShape.forBitSize(VECTOR_BITS));
    /**
     * Half the bits of {@link #F} (4 or 8 lanes) where F has 256 or 512, else F: for rows shorter than a vector of F, such as an
     * attention head of 8 floats where F has 16 lanes.
     */
    static final VectorSpecies<Float> HALF = F.vectorBitSize() == 256 || F.vectorBitSize() == 512
            ? VectorSpecies.of(float.class, VectorShape.forBitSize(F.vectorBitSize() / 2))
            : F;
    /** The same shape as {@link #F} for bit manipulation of floats. */
    static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** As many 16-bit lanes as {@link #F} has float lanes (half the bits), for F16 and BF16 weights. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));

    /** The byte order of every tensor, for vector loads and stores. */
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Lane shuffles of {@link #HALF} i -> i xor h for its lane sum; null where h is not below its lane count. */
    private static final VectorShuffle<Float> HALF_XOR_1 = xorShuffle(HALF, 1);
    private static final VectorShuffle<Float> HALF_XOR_2 = xorShuffle(HALF, 2);
    private static final VectorShuffle<Float> HALF_XOR_4 = xorShuffle(HALF, 4);
    /** Lane shuffles i -> i xor h for the butterfly lane sum; null where h is not below the lane count. */
    private static final VectorShuffle<Float> XOR_1 = xorShuffle(1);
    private static final VectorShuffle<Float> XOR_2 = xorShuffle(2);
    private static final VectorShuffle<Float> XOR_4 = xorShuffle(4);
    private static final VectorShuffle<Float> XOR_8 = xorShuffle(8);
    private static final VectorShuffle<Float> XOR_16 = xorShuffle(16);
    private static final VectorShuffle<Float> XOR_32 = xorShuffle(32);

    private VectorMath() {}

    /** {@return a description of the vector width in use, e.g. {@code "512-bit vectors (16 floats)"}} */
    public static String describe() {
        return VECTORIZED
                ? F.vectorBitSize() + "-bit vectors (" + F.length() + " floats)"
                : "no vectors (" + VECTOR_BITS_PROPERTY + "=0)";
    }

    /**
     * {@return the dot product of n floats at byte offsets aAt and bAt}: one vector accumulator, its lanes summed by
     * {@link #sumLanes}, then the tail in order. The inner loop of a decode step's matmul, one row of W per call.
     */
    static float dot(MemorySegment a, long aAt, MemorySegment b, long bAt, int n) {
        float s = 0;
        int j = 0;
        if (VECTORIZED && n >= F.length()) { // a shorter row would only sum the lanes of zeros
            FloatVector acc = FloatVector.zero(F);
            int lanes = F.length();
            int bound = F.loopBound(n);
            // Two vectors per iteration, one after the other into the one accumulator (the same sums in the same
            // order as one per iteration): left to itself the JIT unrolls this loop eight times once it has seen long
            // rows, and that form streamed long rows at half the memory bandwidth (docs/performance.md); written two
            // by two it unrolls less and streams at full speed whatever the row length.
            for (; j + 2 * lanes <= bound; j += 2 * lanes) {
                long o = (long) j * Float.BYTES;
                acc = fromMemorySegment(F, a, aAt + o, LE).fma(fromMemorySegment(F, b, bAt + o, LE), acc);
                long o2 = o + F.vectorByteSize();
                acc = fromMemorySegment(F, a, aAt + o2, LE).fma(fromMemorySegment(F, b, bAt + o2, LE), acc);
            }
            for (; j < bound; j += lanes) {
                long o = (long) j * Float.BYTES;
                acc = fromMemorySegment(F, a, aAt + o, LE).fma(fromMemorySegment(F, b, bAt + o, LE), acc);
            }
            s = sumLanes(acc);
        }
        for (; j < n; j++) {
            long o = (long) j * Float.BYTES;
            s = Math.fma(a.get(F32, aAt + o), b.get(F32, bAt + o), s);
        }
        return s;
    }

    /**
     * The dot products of x (n floats at byte xAt) with four rows of n floats ({@code rows} from byte rowAt on,
     * {@code rowStride} bytes apart), each summed exactly as {@link #dot} sums it, into the four floats at byte outAt
     * of out. Four independent chains rather than one after the other: a short row's single chain (a few
     * multiply-adds, then the lane sum) is all latency.
     */
    static void dotFour(MemorySegment rows, long rowAt, long rowStride, MemorySegment x, long xAt, int n,
                        MemorySegment out, long outAt) {
        long r1 = rowAt + rowStride;
        long r2 = r1 + rowStride;
        long r3 = r2 + rowStride;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        if (VECTORIZED && n >= F.length()) {
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            for (int bound = F.loopBound(n); j < bound; j += F.length()) {
                long o = (long) j * Float.BYTES;
                FloatVector xv = fromMemorySegment(F, x, xAt + o, LE);
                a0 = fromMemorySegment(F, rows, rowAt + o, LE).fma(xv, a0);
                a1 = fromMemorySegment(F, rows, r1 + o, LE).fma(xv, a1);
                a2 = fromMemorySegment(F, rows, r2 + o, LE).fma(xv, a2);
                a3 = fromMemorySegment(F, rows, r3 + o, LE).fma(xv, a3);
            }
            s0 = sumLanes(a0);
            s1 = sumLanes(a1);
            s2 = sumLanes(a2);
            s3 = sumLanes(a3);
        }
        for (; j < n; j++) {
            long o = (long) j * Float.BYTES;
            float xj = x.get(F32, xAt + o);
            s0 = Math.fma(rows.get(F32, rowAt + o), xj, s0);
            s1 = Math.fma(rows.get(F32, r1 + o), xj, s1);
            s2 = Math.fma(rows.get(F32, r2 + o), xj, s2);
            s3 = Math.fma(rows.get(F32, r3 + o), xj, s3);
        }
        out.set(F32, outAt, s0);
        out.set(F32, outAt + Float.BYTES, s1);
        out.set(F32, outAt + 2 * Float.BYTES, s2);
        out.set(F32, outAt + 3 * Float.BYTES, s3);
    }

    // ----------------------------------------------------------------------------------------------------------
    // exp and lane sums

    private static final float LOG2_E = 1.4426950408889634f;
    /** ln 2 split in two so that k * LN2_HI is exact for the k that occur: Cody and Waite's range reduction. */
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.4286068203094172e-6f;
    /** Adding 1.5 * 2^23 rounds a float of magnitude below 2^22 to an integer, held in the low mantissa bits. */
    private static final float ROUND_TO_INT = 0x1.8p23f;
    private static final int ROUND_TO_INT_BITS = Float.floatToRawIntBits(ROUND_TO_INT);
    /** Inputs are clamped so that 2^k stays a normal float: exp(-87) ≈ 1.6e-38 stands in for 0, exp(88) for ∞. */
    private static final float EXP_MIN = -87f;
    private static final float EXP_MAX = 88f;

    /**
     * exp(x) for a float, in operations the Vector API and scalar Java compute identically, so that a vector lane and
     * a tail element give the same bits: e^x = 2^k e^r with k = round(x / ln 2) and |r| <= ln 2 / 2, e^r from its
     * Taylor polynomial of degree 7 (truncation error below 1e-8 relative). Within 2 ulp of {@link Math#exp} on
     * [-87, 88]; clamps outside, so exp(-∞) is about 1.6e-38 rather than 0 (harmless in a softmax or sigmoid).
     */
    static float exp(float x) {
        float c = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float t = c * LOG2_E + ROUND_TO_INT;
        float k = t - ROUND_TO_INT;
        int kBits = Float.floatToRawIntBits(t) - ROUND_TO_INT_BITS;
        float r = Math.fma(k, -LN2_HI, c);
        r = Math.fma(k, -LN2_LO, r);
        float p = Math.fma(1f / 5040, r, 1f / 720);
        p = Math.fma(p, r, 1f / 120);
        p = Math.fma(p, r, 1f / 24);
        p = Math.fma(p, r, 1f / 6);
        p = Math.fma(p, r, 0.5f);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        return p * Float.intBitsToFloat((kBits + 127) << 23);
    }

    /** {@link #exp(float)} in every lane. */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector t = c.mul(LOG2_E).add(ROUND_TO_INT);
        FloatVector k = t.sub(ROUND_TO_INT);
        IntVector kBits = t.reinterpretAsInts().sub(ROUND_TO_INT_BITS);
        FloatVector r = k.fma(FloatVector.broadcast(F, -LN2_HI), c);
        r = k.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = r.fma(1f / 5040, 1f / 720);
        p = p.fma(r, FloatVector.broadcast(F, 1f / 120));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 24));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 6));
        p = p.fma(r, FloatVector.broadcast(F, 0.5f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        return p.mul(kBits.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
    }

    /**
     * {@return the sum of the lanes in a fixed order}: a butterfly (lanes i and i xor h added, for h = L/2 down to 1),
     * so the result is the same whether the JIT compiled this code or not.
     */
    static float sumLanes(FloatVector v) {
        int lanes = F.length(); // at most 64 (a 2048-bit vector); a constant once compiled
        if (lanes > 32) {
            v = v.add(v.rearrange(XOR_32));
        }
        if (lanes > 16) {
            v = v.add(v.rearrange(XOR_16));
        }
        if (lanes > 8) {
            v = v.add(v.rearrange(XOR_8));
        }
        if (lanes > 4) {
            v = v.add(v.rearrange(XOR_4));
        }
        if (lanes > 2) {
            v = v.add(v.rearrange(XOR_2));
        }
        if (lanes > 1) {
            v = v.add(v.rearrange(XOR_1));
        }
        return v.lane(0);
    }

    /** {@return the sum of the lanes of a vector of {@link #HALF}}, in {@link #sumLanes}'s butterfly order. */
    static float sumHalfLanes(FloatVector v) {
        if (HALF.length() > 4) {
            v = v.add(v.rearrange(HALF_XOR_4));
        }
        v = v.add(v.rearrange(HALF_XOR_2));
        return v.add(v.rearrange(HALF_XOR_1)).lane(0);
    }

    /**
     * {@return v with the {@link #sumHalfLanes} of its low half in lane 0 and of its high half in lane
     * {@code HALF.length()}}, each with the bits sumHalfLanes gives that half alone: the same butterfly, whose shuffles
     * (i -> i xor h, h below HALF's lane count) never cross the halves. For a vector of F twice HALF's width.
     */
    static FloatVector sumLanesOfHalves(FloatVector v) {
        if (HALF.length() > 4) {
            v = v.add(v.rearrange(XOR_4));
        }
        v = v.add(v.rearrange(XOR_2));
        return v.add(v.rearrange(XOR_1));
    }

    /**
     * {@return the sum of the lanes of a vector of {@link #F} stored at byte {@code at} of {@code s}, in
     * {@link #sumLanes}'s order and so with its bits}: the butterfly written out for 4, 8 and 16 lanes. For kernels too
     * big for the JIT to inline sumLanes into (a vector passed to a call that is not inlined is boxed, on the heap):
     * they store their sums and add them up here, in scalar code.
     *
     * @throws IllegalStateException with more than 16 lanes
     */
    static float sumStoredLanes(MemorySegment s, long at) {
        return switch (F.length()) {
            case 4 -> (lane(s, at, 0) + lane(s, at, 2)) + (lane(s, at, 1) + lane(s, at, 3));
            case 8 -> ((lane(s, at, 0) + lane(s, at, 4)) + (lane(s, at, 2) + lane(s, at, 6)))
                    + ((lane(s, at, 1) + lane(s, at, 5)) + (lane(s, at, 3) + lane(s, at, 7)));
            case 16 -> (((lane(s, at, 0) + lane(s, at, 8)) + (lane(s, at, 4) + lane(s, at, 12)))
                    + ((lane(s, at, 2) + lane(s, at, 10)) + (lane(s, at, 6) + lane(s, at, 14))))
                    + (((lane(s, at, 1) + lane(s, at, 9)) + (lane(s, at, 5) + lane(s, at, 13)))
                    + ((lane(s, at, 3) + lane(s, at, 11)) + (lane(s, at, 7) + lane(s, at, 15))));
            default -> throw new IllegalStateException("sumStoredLanes: " + F.length() + " lanes");
        };
    }

    private static float lane(MemorySegment s, long at, int lane) {
        return s.get(F32, at + (long) lane * Float.BYTES);
    }

    /** {@return the shuffle where lane i takes lane i xor h}, or null where h is not below the lane count */
    static VectorShuffle<Float> xorShuffle(int h) {
        return xorShuffle(F, h);
    }

    private static VectorShuffle<Float> xorShuffle(VectorSpecies<Float> species, int h) {
        return h > 0 && h < species.length() ? VectorShuffle.fromOp(species, i -> i ^ h) : null;
    }

    private static int vectorBitsFromProperty() {
        String value = System.getProperty(VECTOR_BITS_PROPERTY);
        if (value == null || value.isBlank()) {
            return -1;
        }
        int bits;
        try {
            bits = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            bits = -2;
        }
        if (bits != 0 && bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalArgumentException(
                    VECTOR_BITS_PROPERTY + " must be 0 (no Vector API), 128, 256 or 512, found '" + value + "'");
        }
        return bits;
    }
}
