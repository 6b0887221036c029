package dev.forwardpass.models.tokenizer;

import java.util.Arrays;

/**
 * The control tokens of a Hugging Face tokenizer, gathered from {@code tokenizer.json}'s post-processor,
 * {@code tokenizer_config.json}, {@code generation_config.json} and the model's {@code config.json}.
 *
 * @param prefix ids {@code encode} puts before the text (BOS, when the tokenizer adds one)
 * @param suffix ids {@code encode} puts after the text
 * @param bos the beginning-of-sequence id, or -1 if there is none
 * @param eos the ids that end a generation (several for instruction-tuned Llama 3), possibly none
 */
record SpecialTokens(int[] prefix, int[] suffix, int bos, int[] eos) {

    SpecialTokens {
        prefix = prefix.clone();
        suffix = suffix.clone();
        eos = eos.clone();
    }

    /** {@return whether {@code token} ends a generation} */
    boolean isEos(int token) {
        for (int e : eos) {
            if (e == token) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "SpecialTokens[prefix=" + Arrays.toString(prefix) + ", suffix=" + Arrays.toString(suffix) + ", bos="
                + bos + ", eos=" + Arrays.toString(eos) + "]";
    }
}
