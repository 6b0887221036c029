package dev.forwardpass.models.decoder;

/** Which rows of a batch go on through the final norm and the classifier. */
public enum LogitRows {
    /** every row: a decode step, or a prompt whose logits are all wanted */
    EVERY_ROW,
    /** the last row alone: the last chunk of a prompt run for its next token */
    LAST_ROW,
    /** none: a chunk of a prompt before its last, run for the keys and values it leaves in the cache */
    NONE;

    /** {@return how many rows of logits a batch of {@code rows} rows has} */
    public int count(int rows) {
        return switch (this) {
            case EVERY_ROW -> rows;
            case LAST_ROW -> 1;
            case NONE -> 0;
        };
    }
}
