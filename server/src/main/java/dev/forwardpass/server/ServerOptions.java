package dev.forwardpass.server;

import java.time.Duration;
import java.util.Objects;

/**
 * How the server listens and how much it takes on.
 *
 * @param host the address to bind; {@code 127.0.0.1} (the default) serves this machine only
 * @param port the TCP port; 0 for any free one
 * @param parallel the most sequences generated at once, >= 1
 * @param queue the most sequences waiting for a slot, >= 0; more are refused with 503
 * @param maxBodyBytes the largest request body, > 0; larger ones are refused with 413
 * @param apiKey the key every {@code /v1} request must bring as {@code Authorization: Bearer KEY}; null for none
 * @param modelName the model's id in {@code /v1/models} and in every answer
 * @param shutdownDeadline how long a shutdown lets admitted sequences finish before it cancels them
 * @param batching whether the running sequences decode together, one batched forward pass per step
 *     ({@link BatchedEngine}), or each on a thread of its own, their steps taking turns ({@link ThreadedEngine})
 */
public record ServerOptions(String host, int port, int parallel, int queue, long maxBodyBytes, String apiKey,
        String modelName, Duration shutdownDeadline, boolean batching) {
    public ServerOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(shutdownDeadline, "shutdownDeadline");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], found " + port);
        }
        if (parallel < 1) {
            throw new IllegalArgumentException("parallel must be >= 1, found " + parallel);
        }
        if (queue < 0) {
            throw new IllegalArgumentException("queue must be >= 0, found " + queue);
        }
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("the body limit must be >= 1 byte, found " + maxBodyBytes);
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new IllegalArgumentException("an API key must not be blank");
        }
    }

    /**
     * {@return 127.0.0.1:8080, 4 sequences at once (batched) and 16 waiting, bodies up to 4 MiB, no API key, 10
     * seconds to shut down}
     */
    public static ServerOptions defaults(String modelName) {
        return new ServerOptions("127.0.0.1", 8080, 4, 16, 4L << 20, null, modelName, Duration.ofSeconds(10), true);
    }

    public ServerOptions withHost(String host) {
        return new ServerOptions(host, port, parallel, queue, maxBodyBytes, apiKey, modelName, shutdownDeadline,
                batching);
    }

    public ServerOptions withPort(int port) {
        return new ServerOptions(host, port, parallel, queue, maxBodyBytes, apiKey, modelName, shutdownDeadline,
                batching);
    }

    public ServerOptions withParallel(int parallel) {
        return new ServerOptions(host, port, parallel, queue, maxBodyBytes, apiKey, modelName, shutdownDeadline,
                batching);
    }

    public ServerOptions withQueue(int queue) {
        return new ServerOptions(host, port, parallel, queue, maxBodyBytes, apiKey, modelName, shutdownDeadline,
                batching);
    }

    public ServerOptions withMaxBodyBytes(long maxBodyBytes) {
        return new ServerOptions(host, port, parallel, queue, maxBodyBytes, apiKey, modelName, shutdownDeadline,
                batching);
    }

    public ServerOptions withApiKey(String apiKey) {
        return new ServerOptions(host, port, parallel, queue, maxBodyBytes, apiKey, modelName, shutdownDeadline,
                batching);
    }

    public ServerOptions withShutdownDeadline(Duration shutdownDeadline) {
        return new ServerOptions(host, port, parallel, queue, maxBodyBytes, apiKey, modelName, shutdownDeadline,
                batching);
    }

    public ServerOptions withBatching(boolean batching) {
        return new ServerOptions(host, port, parallel, queue, maxBodyBytes, apiKey, modelName, shutdownDeadline,
                batching);
    }
}
