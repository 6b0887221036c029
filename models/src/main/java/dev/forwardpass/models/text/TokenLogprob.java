package dev.forwardpass.models.text;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A token with its log-probability under the model at one position (OpenAI's {@code {token, bytes, logprob}}).
 *
 * @param token the token id
 * @param bytes the token's text as UTF-8 bytes, as it reads after the token before it; it may end (or start) inside a
 *     character, which is why the bytes are given beside {@link #text()}
 * @param logprob ln p(token), p being the model's softmax of the logits: before logit bias, penalties, temperature
 *     and truncation, so it describes the model and not the sampler
 */
public record TokenLogprob(int token, byte[] bytes, double logprob) {
    public TokenLogprob {
        bytes = bytes.clone();
    }

    /** {@return a copy of the bytes} (a record component that is an array would otherwise be shared) */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** {@return the bytes decoded as UTF-8}, a broken character as U+FFFD */
    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TokenLogprob that && token == that.token && Arrays.equals(bytes, that.bytes)
                && Double.compare(logprob, that.logprob) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Integer.hashCode(token) + Arrays.hashCode(bytes)) + Double.hashCode(logprob);
    }

    @Override
    public String toString() {
        return "TokenLogprob[token=" + token + ", bytes=" + HexFormat.of().formatHex(bytes) + ", logprob=" + logprob
                + "]";
    }
}
