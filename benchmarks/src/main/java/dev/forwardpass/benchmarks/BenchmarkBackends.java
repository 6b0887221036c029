package dev.forwardpass.benchmarks;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;

/** Opens the backend that a benchmark's {@code backend} and {@code threads} parameters name. */
final class BenchmarkBackends {
    /** Every backend a benchmark is run on unless {@code -p backend=...} says otherwise. */
    static final String[] ALL = {"scalar", "java", "djl"};

    private BenchmarkBackends() {}

    /**
     * {@return a new backend}; the benchmark closes it in its teardown.
     *
     * @throws IllegalStateException in one line, if the backend is unknown, unavailable or fails to start here (JMH
     *     then records this one benchmark as failed and goes on; {@link BenchmarkMain} leaves such a backend out
     *     before any fork starts)
     */
    static Backend open(String name, int threads) {
        try {
            return Backends.get(name, BackendOptions.withThreads(threads));
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("backend '" + name + "' cannot run here: " + e.getMessage()
                    + " (leave it out with -p backend=...)", e);
        }
    }
}
