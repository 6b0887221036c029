package dev.forwardpass.backend.java;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.BackendProvider;

/** Registers {@link ScalarBackend} as {@code "scalar"}. Always available: plain Java, no threads. */
public final class ScalarBackendProvider implements BackendProvider {

    /** Creates the provider (the {@link java.util.ServiceLoader} does). */
    public ScalarBackendProvider() {}

    @Override
    public String name() {
        return ScalarBackend.NAME;
    }

    @Override
    public String description() {
        return "plain scalar loops, one thread: the reference definition of every op (slow)";
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Backend create(BackendOptions options) {
        return new ScalarBackend(options);
    }
}
