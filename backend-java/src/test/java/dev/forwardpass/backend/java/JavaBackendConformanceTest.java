package dev.forwardpass.backend.java;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.conformance.BackendConformanceTest;

/**
 * The conformance suite for backend {@code "java"} (Vector API kernels, thread pool), found by name as users do.
 */
class JavaBackendConformanceTest extends BackendConformanceTest {
    @Override
    protected Backend createBackend(BackendOptions options) {
        return Backends.get("java", options);
    }
}
