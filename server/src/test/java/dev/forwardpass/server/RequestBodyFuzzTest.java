package dev.forwardpass.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The bodies of {@code /v1/chat/completions} and {@code /v1/completions}, read into a request as the endpoint does:
 * a body the server cannot serve is a 400 that names the field at fault (none when the body is not a JSON object),
 * never an exception the server would answer with a 500.
 */
class RequestBodyFuzzTest {
    private static final int CONTEXT_LENGTH = 512;

    @FuzzTest
    void chat(byte[] body) {
        read(Dialect.CHAT, body);
    }

    @FuzzTest
    void completion(byte[] body) {
        read(Dialect.TEXT, body);
    }

    private static void read(Dialect dialect, byte[] body) {
        JsonFields fields;
        try {
            fields = JsonFields.parse(body);
        } catch (ApiException notAnObject) {
            assertEquals(400, notAnObject.status(), notAnObject::getMessage);
            return;
        }
        try {
            dialect.read(fields, CONTEXT_LENGTH);
        } catch (ApiException badField) {
            assertEquals(400, badField.status(), badField::getMessage);
            assertNotNull(badField.body().get("error").get("param").textValue(), badField::getMessage);
        }
    }
}
