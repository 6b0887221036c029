package dev.forwardpass.backend.java;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.conformance.BackendConformanceTest;

/**
 * The conformance suite for backend {@code "scalar"}, the reference itself: its results match trivially, so what this
 * run holds it to is the rest of the contract (argument checks and their wording, foreign tensors, dtypes).
 */
class ScalarBackendConformanceTest extends BackendConformanceTest {
    @Override
    protected Backend createBackend(BackendOptions options) {
        return Backends.get("scalar", options);
    }
}
