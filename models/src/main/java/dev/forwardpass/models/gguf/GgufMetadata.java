package dev.forwardpass.models.gguf;

import dev.forwardpass.models.format.ModelFormatException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Typed reads of a GGUF file's metadata, each failing with the key's name and what was found. */
final class GgufMetadata {
    private final String source;
    private final Map<String, Object> values;

    GgufMetadata(String source, Map<String, Object> values) {
        this.source = source;
        this.values = values;
    }

    /** {@return whether the file has {@code key}} */
    boolean has(String key) {
        return values.containsKey(key);
    }

    /** {@return the string at {@code key}} */
    String string(String key) throws ModelFormatException {
        Object value = values.get(key);
        if (!(value instanceof String s)) {
            throw error(key, value == null ? "missing" : "must be a string, found " + value);
        }
        return s;
    }

    /** {@return the string at {@code key}, or {@code otherwise} when the file has none} */
    String stringOr(String key, String otherwise) throws ModelFormatException {
        return values.containsKey(key) ? string(key) : otherwise;
    }

    /** {@return the positive integer at {@code key}, at most {@code max}} */
    int positiveInt(String key, int max) throws ModelFormatException {
        Object value = values.get(key);
        if (value == null) {
            throw error(key, "missing");
        }
        return checkedInt(key, value, max);
    }

    /** {@return the positive integer at {@code key}, or {@code otherwise} when the file has none} */
    int positiveIntOr(String key, int otherwise, int max) throws ModelFormatException {
        Object value = values.get(key);
        return value == null ? otherwise : checkedInt(key, value, max);
    }

    /** {@return the positive finite number at {@code key}, or {@code otherwise} when the file has none} */
    float positiveFloatOr(String key, float otherwise) throws ModelFormatException {
        Object value = values.get(key);
        if (value == null) {
            return otherwise;
        }
        if (!(value instanceof Double d) || !(d > 0) || !Double.isFinite(d.floatValue())) {
            throw error(key, "must be a positive number, found " + value);
        }
        return d.floatValue();
    }

    /** {@return the integer at {@code key}, of any integer type, or empty when the file has none} */
    OptionalLong integer(String key) throws ModelFormatException {
        Object value = values.get(key);
        if (value == null) {
            return OptionalLong.empty();
        }
        if (!(value instanceof Long n)) {
            throw error(key, "must be an integer, found " + value);
        }
        return OptionalLong.of(n);
    }

    /** {@return the bool at {@code key}, or empty when the file has none} */
    Optional<Boolean> bool(String key) throws ModelFormatException {
        Object value = values.get(key);
        if (value != null && !(value instanceof Boolean)) {
            throw error(key, "must be a bool, found " + value);
        }
        return Optional.ofNullable((Boolean) value);
    }

    /** {@return the array at {@code key}, every element of {@code type}} */
    List<?> list(String key, Class<?> type) throws ModelFormatException {
        Object value = values.get(key);
        if (!(value instanceof List<?> list)) {
            throw error(key, value == null ? "missing" : "must be an array, found " + value);
        }
        for (Object element : list) {
            if (!type.isInstance(element)) {
                throw error(key, "must be an array of " + type.getSimpleName() + ", found an element " + element);
            }
        }
        return list;
    }

    private int checkedInt(String key, Object value, int max) throws ModelFormatException {
        if (!(value instanceof Long n) || n < 1 || n > max) {
            throw error(key, "must be an integer from 1 to " + max + ", found " + value);
        }
        return (int) (long) n;
    }

    ModelFormatException error(String key, String problem) {
        return new ModelFormatException(source, -1, key, problem);
    }
}
