package dev.forwardpass.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;

/**
 * The one JSON style of every {@code --json}: a record's components become snake_case keys ({@code nKvHeads} is
 * {@code n_kv_heads}), and absent (null) values are left out. Jackson loads when a command first uses it, not before.
 */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private Json() {}

    /** Prints {@code value} (a record) as one line of JSON. */
    static void print(PrintStream out, Object value) throws JsonProcessingException {
        out.println(MAPPER.writeValueAsString(value));
    }

    /** {@return {@code value} (a record) as a JSON object, to add fields to} */
    static ObjectNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /** {@return the JSON value {@code text} holds} */
    static JsonNode read(String text) throws JsonProcessingException {
        return MAPPER.readTree(text);
    }

    /** {@return a new, empty JSON object} */
    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }
}
