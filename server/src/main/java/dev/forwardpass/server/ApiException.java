package dev.forwardpass.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serial;

/**
 * A request the server answers with an error status and OpenAI's error object:
 * {@code {"error": {"message", "type", "param", "code"}}}, where {@code param} names the field at fault.
 */
final class ApiException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    ApiException(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** {@return a 503 for a server with no room} (its response tells the client to retry after a second) */
    static ApiException busy(String message) {
        return new ApiException(503, "server_error", null, "server_busy", message);
    }

    /** {@return a 400 for the field {@code param}} (null when the fault is the body as a whole) */
    static ApiException badRequest(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message);
    }

    int status() {
        return status;
    }

    /** {@return whether the client should try again later} ({@code Retry-After}) */
    boolean retryable() {
        return status == 503;
    }

    /** {@return OpenAI's error object for this} */
    ObjectNode body() {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.putObject("error")
                .put("message", getMessage())
                .put("type", type)
                .put("param", param)
                .put("code", code);
        return body;
    }
}
