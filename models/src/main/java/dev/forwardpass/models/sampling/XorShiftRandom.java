package dev.forwardpass.models.sampling;

/**
 * llama2.c's random number generator (xorshift64*): {@code random_u32} and {@code random_f32} of run.c, so that a
 * seed gives the same draws as run.c's {@code -s}. The state is an unsigned 64-bit integer held in a long.
 */
public final class XorShiftRandom {
    private long state;

    /** @param seed run.c's rng_seed; must not be 0 (xorshift would then only produce zeros) */
    public XorShiftRandom(long seed) {
        if (seed == 0) {
            throw new IllegalArgumentException("the seed of xorshift must not be 0");
        }
        this.state = seed;
    }

    /** {@return the next 32 random bits, as run.c's random_u32 (unsigned, in the low 32 bits of the long)} */
    public long nextU32() {
        state ^= state >>> 12;
        state ^= state << 25;
        state ^= state >>> 27;
        return (state * 0x2545F4914F6CDD1DL) >>> 32;
    }

    /** {@return a float in [0, 1) from the top 24 of the next 32 bits, as run.c's random_f32} */
    public float nextFloat() {
        return (nextU32() >>> 8) / 16777216.0f;
    }
}
