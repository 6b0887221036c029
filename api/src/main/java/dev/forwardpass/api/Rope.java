package dev.forwardpass.api;

/**
 * Rotary position embedding: the pair {@code i} of every head is rotated by the angle
 * {@code pos * inverseFrequency(i)}. Immutable.
 *
 * <p>The frequencies are computed in single precision exactly as llama2.c's {@code run.c} does
 * ({@code 1.0f / powf(theta, 2i / (float) headSize)}), so that our logits can be compared with it bit for bit.
 */
public final class Rope {
    private final int headSize;
    private final RopeLayout layout;
    private final float[] inverseFrequencies; // (headSize / 2,)

    private Rope(int headSize, RopeLayout layout, float[] inverseFrequencies) {
        this.headSize = headSize;
        this.layout = layout;
        this.inverseFrequencies = inverseFrequencies;
    }

    /** {@return the standard rotary embedding with base {@code theta} (10000 for Llama 2, 500000 for Llama 3)} */
    public static Rope of(int headSize, float theta, RopeLayout layout) {
        if (headSize < 2 || headSize % 2 != 0) {
            throw new IllegalArgumentException("rope needs an even head size, found " + headSize);
        }
        if (!(theta > 1f && Float.isFinite(theta))) {
            throw new IllegalArgumentException("rope theta must be finite and > 1, found " + theta);
        }
        float[] inv = new float[headSize / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0f / (float) Math.pow(theta, (2 * i) / (float) headSize);
        }
        return new Rope(headSize, layout, inv);
    }

    /**
     * {@return a rotary embedding with explicit inverse frequencies, one per pair (for scaled variants such as
     * Llama 3's)}
     */
    public static Rope ofInverseFrequencies(float[] inverseFrequencies, RopeLayout layout) {
        if (inverseFrequencies.length < 1) {
            throw new IllegalArgumentException("rope needs at least one frequency");
        }
        return new Rope(inverseFrequencies.length * 2, layout, inverseFrequencies.clone());
    }

    /** {@return the head size the rotation applies to} */
    public int headSize() {
        return headSize;
    }

    /** {@return which elements form a rotated pair} */
    public RopeLayout layout() {
        return layout;
    }

    /** {@return the inverse frequency of pair {@code i}, for {@code 0 <= i < headSize / 2}} */
    public float inverseFrequency(int i) {
        return inverseFrequencies[i];
    }

    /** {@return the index of the second element of pair {@code i} within a head} */
    public int partnerOffset(int i) {
        return layout == RopeLayout.INTERLEAVED ? 2 * i + 1 : i + headSize / 2;
    }

    /** {@return the index of the first element of pair {@code i} within a head} */
    public int firstOffset(int i) {
        return layout == RopeLayout.INTERLEAVED ? 2 * i : i;
    }
}
