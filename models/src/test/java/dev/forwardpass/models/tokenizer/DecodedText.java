package dev.forwardpass.models.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Decoding for tests: a token sequence streamed as generation prints it, then read as one UTF-8 text. */
public final class DecodedText {
    private DecodedText() {}

    /** {@return the text of the concatenated bytes of {@code ids}, each decoded after the one before it} */
    public static String of(Tokenizer tokenizer, int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int previous = -1;
        for (int id : ids) {
            out.writeBytes(tokenizer.decode(previous, id));
            previous = id;
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
