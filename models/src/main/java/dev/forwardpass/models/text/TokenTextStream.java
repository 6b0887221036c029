package dev.forwardpass.models.text;

import dev.forwardpass.models.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns generated tokens into text pieces that are always whole characters. A token's bytes may end inside a UTF-8
 * sequence (a byte-level BPE token, a SentencePiece byte-fallback token); those bytes wait for the token that
 * completes them. Only bytes that can never become a character are decoded as U+FFFD.
 */
public final class TokenTextStream {
    private final Tokenizer tokenizer;
    /** Bytes of an unfinished UTF-8 sequence: at most 3 wait for the rest. */
    private byte[] pending = new byte[0];

    public TokenTextStream(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** {@return the whole characters that {@code token}, following {@code previous}, completes} (possibly "") */
    public String next(int previous, int token) {
        byte[] bytes = tokenizer.textBytes(previous, token);
        if (pending.length > 0) {
            byte[] joined = Arrays.copyOf(pending, pending.length + bytes.length);
            System.arraycopy(bytes, 0, joined, pending.length, bytes.length);
            bytes = joined;
        }
        int whole = wholeCharactersLength(bytes);
        pending = Arrays.copyOfRange(bytes, whole, bytes.length);
        return new String(bytes, 0, whole, StandardCharsets.UTF_8);
    }

    /** {@return the bytes still waiting, decoded (an unfinished sequence becomes U+FFFD)}, and forgets them */
    public String finish() {
        String rest = new String(pending, StandardCharsets.UTF_8);
        pending = new byte[0];
        return rest;
    }

    /**
     * {@return the length of the longest prefix of {@code bytes} that does not end inside a UTF-8 sequence}: the last
     * lead byte is cut off with its continuation bytes when they are fewer than it announces.
     */
    static int wholeCharactersLength(byte[] bytes) {
        int n = bytes.length;
        // a sequence is at most 4 bytes: only a lead byte among the last 3 can be waiting for more
        for (int i = n - 1; i >= Math.max(0, n - 3); i--) {
            int b = Byte.toUnsignedInt(bytes[i]);
            if (b < 0x80) {
                return n; // ASCII: nothing after it can be unfinished
            }
            if (b >= 0xC0) {
                int length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
                return i + length > n ? i : n;
            }
        }
        return n; // continuation bytes without a lead: invalid whatever follows, decoded as U+FFFD now
    }
}
