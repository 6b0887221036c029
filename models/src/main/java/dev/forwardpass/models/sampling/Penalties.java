package dev.forwardpass.models.sampling;

import java.util.Arrays;

/**
 * llama.cpp's repetition penalties ({@code llama_sampler_penalties}): for each token that occurs {@code count > 0}
 * times among the last {@code penalty_last_n} accepted tokens, its logit is divided by {@code repeat_penalty} if
 * positive (multiplied if not, so that a penalty always makes the token less likely), then lowered by
 * {@code count * frequency_penalty + presence_penalty}.
 */
final class Penalties {
    private final int window;
    private final float repeatPenalty;
    private final float frequencyPenalty;
    private final float presencePenalty;
    /** (vocabSize,) occurrences of each token in the window. */
    private final int[] counts;
    /** The newest accepted tokens, oldest first (history[0..length)); kept for a bounded window, to retire tokens. */
    private int[] history;
    private int length;

    Penalties(SamplingParams params, int vocabSize) {
        this.window = params.penaltyLastN();
        this.repeatPenalty = params.repeatPenalty();
        this.frequencyPenalty = params.frequencyPenalty();
        this.presencePenalty = params.presencePenalty();
        this.counts = new int[vocabSize];
        this.history = new int[window == SamplingParams.WHOLE_SEQUENCE ? 0 : 2 * Math.min(window, 512)];
    }

    /** {@return whether these settings change any logit} (a window of 0 or neutral penalties do not) */
    static boolean areOn(SamplingParams params) {
        return params.penaltyLastN() != 0 && (params.repeatPenalty() != 1f || params.frequencyPenalty() != 0f
                || params.presencePenalty() != 0f);
    }

    /** Adds {@code token} to the window, retiring the oldest one if the window is full. */
    void accept(int token) {
        counts[token]++;
        if (window == SamplingParams.WHOLE_SEQUENCE) {
            return;
        }
        if (length == history.length) {
            if (length > window) {
                // keep the window alone, at the front: with room for twice the window, a token moves about once
                System.arraycopy(history, length - window, history, 0, window);
                length = window;
            } else {
                // a window longer than the room so far: doubling, a few times per sequence
                history = Arrays.copyOf(history, 2 * length);
            }
        }
        history[length++] = token;
        if (length > window) {
            counts[history[length - 1 - window]]--;
        }
    }

    /** Penalizes, in place, the logits of the tokens in the window. */
    void apply(float[] logits) {
        for (int q = 0; q < counts.length; q++) {
            int count = counts[q];
            if (count > 0) {
                float logit = logits[q];
                logit = logit <= 0 ? logit * repeatPenalty : logit / repeatPenalty;
                logits[q] = logit - (count * frequencyPenalty + presencePenalty);
            }
        }
    }
}
