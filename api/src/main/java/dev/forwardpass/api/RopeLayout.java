package dev.forwardpass.api;

/** Which elements of a head rotary position embedding rotates together. */
public enum RopeLayout {
    /** Adjacent pairs {@code (2i, 2i+1)}, as llama2.c and Meta's original Llama code (and GGUF) store q and k. */
    INTERLEAVED,
    /** Pairs {@code (i, i + headSize/2)}, as Hugging Face's {@code rotate_half} expects (its permuted q/k weights). */
    HALF_SPLIT
}
