package dev.forwardpass.models.format;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Opening a file a user named, with an answer in bounded time and a message that says what is wrong: only regular
 * files are read (a FIFO or a device such as {@code /dev/zero} would block or never end), a text or JSON file is read
 * whole only up to {@link #MAX_TEXT_BYTES}, and text is strict UTF-8 (a malformed byte is an error that names the
 * file and the byte's offset, never a silent U+FFFD).
 */
public final class InputFiles {
    /** The largest text or JSON file read whole: tokenizer.json, merges.txt, config.json, a text to score. */
    public static final long MAX_TEXT_BYTES = 64L << 20;

    /** The characters decoded at a time when UTF-8 is only checked. */
    private static final int CHECK_CHUNK_CHARS = 8192;

    private InputFiles() {}

    /**
     * Checks that {@code path} is a regular file (after following links) and {@return its size}.
     *
     * @throws NoSuchFileException if nothing is there
     * @throws FileSystemException naming the reason: a directory, a FIFO or device, a loop of symbolic links
     */
    public static long checkRegularFile(Path path) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "file not found");
        }
        if (attributes.isDirectory()) {
            throw new FileSystemException(path.toString(), null, "is a directory, expected a file");
        }
        if (!attributes.isRegularFile()) {
            throw new FileSystemException(path.toString(), null,
                    "is not a regular file (a FIFO, socket or device): only files are read");
        }
        return attributes.size();
    }

    /**
     * {@return the bytes of the regular file {@code path}}
     *
     * @throws ModelFormatException if it is longer than {@link #MAX_TEXT_BYTES}
     */
    public static byte[] readBytes(Path path) throws IOException {
        checkSize(path, checkRegularFile(path));
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            bytes = in.readNBytes((int) MAX_TEXT_BYTES + 1); // the file may have grown since it was checked
        }
        checkSize(path, bytes.length);
        return bytes;
    }

    /**
     * {@return the text of the regular file {@code path}}, which must be UTF-8
     *
     * @throws ModelFormatException if it is longer than {@link #MAX_TEXT_BYTES} or not valid UTF-8
     */
    public static String readText(Path path) throws IOException {
        return decodeUtf8(readBytes(path), path.toString());
    }

    /**
     * {@return the bytes of the regular file {@code path}}, checked to be UTF-8 (for a parser that reads bytes, such as
     * JSON's, so that its offsets stay byte offsets)
     *
     * @throws ModelFormatException if it is longer than {@link #MAX_TEXT_BYTES} or not valid UTF-8
     */
    public static byte[] readUtf8(Path path) throws IOException {
        byte[] bytes = readBytes(path);
        decode(bytes, path.toString(), CharBuffer.allocate(CHECK_CHUNK_CHARS), false);
        return bytes;
    }

    /**
     * {@return {@code bytes} decoded as UTF-8}
     *
     * @param source the file's name, for the error
     * @throws ModelFormatException naming {@code source} and the offset of the first malformed byte
     */
    public static String decodeUtf8(byte[] bytes, String source) throws ModelFormatException {
        CharBuffer out = CharBuffer.allocate(bytes.length);
        decode(bytes, source, out, true);
        return out.flip().toString();
    }

    /**
     * Checks that the bytes of a JSON text hold no NUL, which no JSON text has (RFC 8259) and which makes Jackson read
     * bytes as UTF-16 or UTF-32 (its guess from the zeros) rather than the UTF-8 every format here declares.
     *
     * @param offset where {@code json} starts in its file
     * @param field what {@code json} is, for the error
     * @throws ModelFormatException naming {@code source}, {@code field} and the offset of the first NUL
     */
    public static void checkNoNul(byte[] json, String source, long offset, String field) throws ModelFormatException {
        for (int i = 0; i < json.length; i++) {
            if (json[i] == 0) {
                throw new ModelFormatException(source, offset + i, field, "is not valid JSON: a NUL byte");
            }
        }
    }

    /** Decodes {@code bytes} into {@code out}, which holds them all if {@code keep}, else is reused chunk by chunk. */
    private static void decode(byte[] bytes, String source, CharBuffer out, boolean keep) throws ModelFormatException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CoderResult result;
        do {
            if (!keep) {
                out.clear();
            }
            result = decoder.decode(in, out, true);
        } while (result.isOverflow() && !keep);
        if (result.isError()) {
            int at = in.position();
            throw new ModelFormatException(source, at, null, "is not valid UTF-8 (byte 0x"
                    + Integer.toHexString(Byte.toUnsignedInt(bytes[at])) + " cannot be there)");
        }
    }

    private static void checkSize(Path path, long size) throws ModelFormatException {
        if (size > MAX_TEXT_BYTES) {
            throw new ModelFormatException(path.toString(), -1, null, "is larger than the " + (MAX_TEXT_BYTES >> 20)
                    + " MB a text or JSON file may have (" + size + " bytes)");
        }
    }
}
