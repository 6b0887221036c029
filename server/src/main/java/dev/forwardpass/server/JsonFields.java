package dev.forwardpass.server;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The fields of one JSON object of a request, read with their types checked: a field of the wrong type is a 400
 * that names it by its path ({@code messages[2].content}). An absent field and a JSON {@code null} both read as
 * null, as OpenAI treats them.
 */
final class JsonFields {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final JsonNode object;
    /** The object's path in the body, "" for the body itself. */
    private final String path;

    private JsonFields(JsonNode object, String path) {
        this.object = object;
        this.path = path;
    }

    /** {@return the fields of a request body}, which must be one JSON object */
    static JsonFields parse(byte[] body) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.badRequest(null, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiException.badRequest(null, "the body cannot be read: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode() || !tree.isObject()) {
            throw ApiException.badRequest(null, "the body must be a JSON object");
        }
        return new JsonFields(tree, "");
    }

    /** {@return the path of field {@code name}}, as error messages name it */
    String path(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** {@return a 400 for field {@code name}} */
    ApiException invalid(String name, String message) {
        return ApiException.badRequest(path(name), path(name) + ": " + message);
    }

    /** {@return the field's node, or null if absent or null} */
    JsonNode node(String name) {
        JsonNode node = object.get(name);
        return node == null || node.isNull() ? null : node;
    }

    String string(String name) {
        JsonNode node = node(name);
        if (node != null && !node.isTextual()) {
            throw invalid(name, "must be a string");
        }
        return node == null ? null : node.textValue();
    }

    Boolean bool(String name) {
        JsonNode node = node(name);
        if (node != null && !node.isBoolean()) {
            throw invalid(name, "must be true or false");
        }
        return node == null ? null : node.booleanValue();
    }

    Float number(String name) {
        JsonNode node = node(name);
        if (node != null && !node.isNumber()) {
            throw invalid(name, "must be a number");
        }
        return node == null ? null : node.floatValue();
    }

    Long integer(String name) {
        JsonNode node = node(name);
        if (node != null && !(node.isIntegralNumber() && node.canConvertToLong())) {
            throw invalid(name, "must be an integer");
        }
        return node == null ? null : node.longValue();
    }

    /** {@return an integer field that must lie in [min, max]}, or null */
    Integer integer(String name, int min, int max) {
        Long value = integer(name);
        if (value != null && (value < min || value > max)) {
            throw invalid(name, "must be in [" + min + ", " + max + "], found " + value);
        }
        return value == null ? null : value.intValue();
    }

    /** {@return the nested object {@code name}}, or null */
    JsonFields object(String name) {
        JsonNode node = node(name);
        if (node != null && !node.isObject()) {
            throw invalid(name, "must be an object");
        }
        return node == null ? null : new JsonFields(node, path(name));
    }

    /** {@return the elements of array {@code name}, each read by {@code element} with its index}, or null */
    <T> List<T> array(String name, Function<Element, T> element) {
        JsonNode node = node(name);
        if (node == null) {
            return null;
        }
        if (!node.isArray()) {
            throw invalid(name, "must be an array");
        }
        List<T> values = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            values.add(element.apply(new Element(node.get(i), path(name) + "[" + i + "]")));
        }
        return values;
    }

    /** {@return the names of the object's fields} */
    Iterable<String> names() {
        return object::fieldNames;
    }

    /** An element of an array, with its path. */
    record Element(JsonNode node, String path) {
        ApiException invalid(String message) {
            return ApiException.badRequest(path, path + ": " + message);
        }

        String string() {
            if (!node.isTextual()) {
                throw invalid("must be a string");
            }
            return node.textValue();
        }

        JsonFields object() {
            if (!node.isObject()) {
                throw invalid("must be an object");
            }
            return new JsonFields(node, path);
        }
    }
}
