package dev.forwardpass.models.huggingface;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forwardpass.models.format.InputFiles;
import dev.forwardpass.models.format.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A model folder's {@code config.json}, read field by field: every read names its field, so that a missing or
 * malformed value gives a {@link ModelFormatException} such as {@code config.json: field 'n_embd': missing}.
 * A field that is absent and a field that is JSON {@code null} both mean "not given" (Hugging Face writes
 * {@code "n_inner": null} for the default).
 */
public final class HuggingFaceConfig {
    /** The config's file name inside a model folder. */
    public static final String FILE = "config.json";
    /** Larger dimensions are taken for a corrupt config rather than a model: they would not fit in memory anyway. */
    static final int MAX_DIMENSION = 1 << 24;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final JsonNode root;

    private HuggingFaceConfig(String source, JsonNode root) {
        this.source = source;
        this.root = root;
    }

    /**
     * Reads {@code config.json} of {@code folder}.
     *
     * @throws NoSuchFileException if the folder has no config.json
     * @throws ModelFormatException if it is not a JSON object
     */
    public static HuggingFaceConfig read(Path folder) throws IOException {
        Path file = folder.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no " + FILE + " in the folder: not a Hugging Face "
                    + "model folder");
        }
        return parse(file.toString(), InputFiles.readUtf8(file));
    }

    /** Parses the bytes of a config.json; {@code source} names it in errors. */
    static HuggingFaceConfig parse(String source, byte[] json) throws ModelFormatException {
        InputFiles.checkNoNul(json, source, 0, FILE);
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(source, e.getLocation() == null ? -1 : e.getLocation().getByteOffset(), FILE,
                    "is not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new IllegalStateException("reading an in-memory config failed", e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(source, -1, FILE, "must be a JSON object");
        }
        return new HuggingFaceConfig(source, root);
    }

    /** {@return the config file's path} */
    public String source() {
        return source;
    }

    /** {@return {@code model_type}: which architecture the folder holds} */
    public String modelType() throws ModelFormatException {
        String type = stringOr("model_type", null);
        if (type == null) {
            throw error("model_type", "missing: cannot tell the architecture");
        }
        return type;
    }

    /** {@return the value of {@code field}, or null when it is absent or JSON null} */
    JsonNode node(String field) {
        JsonNode node = root.get(field);
        return node == null || node.isNull() ? null : node;
    }

    /** {@return whether {@code field} is given (present and not null)} */
    boolean has(String field) {
        return node(field) != null;
    }

    /** {@return the integer {@code field}, which must be between 1 and {@link #MAX_DIMENSION}} */
    int positiveInt(String field) throws ModelFormatException {
        JsonNode node = node(field);
        if (node == null) {
            throw error(field, "missing");
        }
        return positive(field, node);
    }

    /** {@return the integer {@code field} (between 1 and {@link #MAX_DIMENSION}), or {@code fallback} if not given} */
    int positiveIntOr(String field, int fallback) throws ModelFormatException {
        JsonNode node = node(field);
        return node == null ? fallback : positive(field, node);
    }

    private int positive(String field, JsonNode node) throws ModelFormatException {
        if (!node.canConvertToExactIntegral() || !node.canConvertToLong()
                || node.asLong() < 1 || node.asLong() > MAX_DIMENSION) {
            throw error(field, "must be an integer between 1 and " + MAX_DIMENSION + ", found " + node);
        }
        return node.asInt();
    }

    /** {@return the positive finite number {@code field}, or {@code fallback} if not given} */
    float positiveFloatOr(String field, float fallback) throws ModelFormatException {
        JsonNode node = node(field);
        if (node == null) {
            return fallback;
        }
        return positiveFloat(field, node);
    }

    /** {@return {@code node}, the value of {@code field}, as a positive finite float} */
    float positiveFloat(String field, JsonNode node) throws ModelFormatException {
        if (!node.isNumber() || !(node.asDouble() > 0) || !Float.isFinite((float) node.asDouble())) {
            throw error(field, "must be a positive number, found " + node);
        }
        return (float) node.asDouble();
    }

    /** {@return the boolean {@code field}, or {@code fallback} if not given} */
    boolean booleanOr(String field, boolean fallback) throws ModelFormatException {
        JsonNode node = node(field);
        if (node == null) {
            return fallback;
        }
        if (!node.isBoolean()) {
            throw error(field, "must be true or false, found " + node);
        }
        return node.asBoolean();
    }

    /** {@return the string {@code field}, or {@code fallback} if not given} */
    String stringOr(String field, String fallback) throws ModelFormatException {
        JsonNode node = node(field);
        if (node == null) {
            return fallback;
        }
        if (!node.isTextual()) {
            throw error(field, "must be a string, found " + node);
        }
        return node.asText();
    }

    /** {@return an error about {@code field} of this config} */
    ModelFormatException error(String field, String problem) {
        return new ModelFormatException(source, -1, field, problem);
    }
}
