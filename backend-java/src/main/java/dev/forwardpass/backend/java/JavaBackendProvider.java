package dev.forwardpass.backend.java;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.BackendProvider;

/**
 * Registers {@link JavaBackend} as {@code "java"}. Cheap: nothing is loaded and no thread starts until
 * {@link #create}.
 */
public final class JavaBackendProvider implements BackendProvider {
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    /** Creates the provider (the {@link java.util.ServiceLoader} does). */
    public JavaBackendProvider() {}

    @Override
    public String name() {
        return JavaBackend.NAME;
    }

    @Override
    public String description() {
        return "pure Java: Vector API kernels on a fixed thread pool";
    }

    /** {@return whether the Vector API, an incubator module, was added to this JVM} */
    @Override
    public boolean isAvailable() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    @Override
    public String unavailableReason() {
        return isAvailable() ? "" : "the Vector API is not enabled: run java with --add-modules " + VECTOR_MODULE;
    }

    @Override
    public Backend create(BackendOptions options) {
        return new JavaBackend(options);
    }
}
