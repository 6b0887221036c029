package dev.forwardpass.api;

/**
 * Settings a backend is created with.
 *
 * @param threads how many threads the backend may compute with (its own pool; never the common pool)
 */
public record BackendOptions(int threads) {
    public BackendOptions {
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("threads must be between 1 and 1024, found " + threads);
        }
    }

    /** {@return options using every available processor} */
    public static BackendOptions defaults() {
        return new BackendOptions(Runtime.getRuntime().availableProcessors());
    }

    /** {@return options using this many threads} */
    public static BackendOptions withThreads(int threads) {
        return new BackendOptions(threads);
    }
}
