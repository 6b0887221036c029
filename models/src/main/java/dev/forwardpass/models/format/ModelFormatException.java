package dev.forwardpass.models.format;

import java.io.IOException;

/**
 * A model or tokenizer file that is malformed, truncated, lying about its sizes, or valid but unsupported.
 * The message names the file, the field, the byte offset, and what was expected versus found:
 * {@code stories260K.bin: field 'n_kv_heads' at offset 16: must divide n_heads=8, found 3}.
 */
public final class ModelFormatException extends IOException {
    private final String source;
    private final long offset;
    private final String field;

    /**
     * @param source the file's name or path as the user gave it
     * @param offset the byte offset of the field in the file, or -1 if it has none
     * @param field the field's name as the format's specification calls it, or null for the file as a whole
     * @param problem what was expected versus what was found
     */
    public ModelFormatException(String source, long offset, String field, String problem) {
        super(format(source, offset, field, problem));
        this.source = source;
        this.offset = offset;
        this.field = field;
    }

    private static String format(String source, long offset, String field, String problem) {
        String at = offset < 0 ? "" : "at offset " + offset;
        String where = field == null ? at : ("field '" + field + "' " + at).strip();
        return source + ": " + (where.isEmpty() ? "" : where + ": ") + problem;
    }

    /** {@return the file's name or path} */
    public String source() {
        return source;
    }

    /** {@return the byte offset of the field, or -1 if it has none} */
    public long offset() {
        return offset;
    }

    /** {@return the field's name, or null for the file as a whole} */
    public String field() {
        return field;
    }
}
