package dev.forwardpass.backend.djl;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.BackendProvider;
import java.util.Optional;

/**
 * Registers backend {@code "djl"}: the ops on native PyTorch tensors through DJL.
 *
 * <p>Cheap, as the SPI requires: {@link #isAvailable()} only looks for the PyTorch jars' resources on the class path;
 * native code is loaded by {@link #create} alone.
 */
public final class DjlBackendProvider implements BackendProvider {

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public DjlBackendProvider() {}

    @Override
    public String name() {
        return DjlBackend.NAME;
    }

    @Override
    public String description() {
        return "PyTorch (CPU) through the Deep Java Library; natives from the class path, never downloaded";
    }

    @Override
    public boolean isAvailable() {
        return PyTorchNatives.problem().isEmpty();
    }

    @Override
    public String unavailableReason() {
        Optional<String> problem = PyTorchNatives.problem();
        return problem.orElse("");
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code options.threads()} becomes PyTorch's intra-op thread count for this backend's ops: see
     * {@link DjlBackend}.
     *
     * @throws IllegalStateException if PyTorch cannot be loaded here (see {@link #unavailableReason()})
     */
    @Override
    public Backend create(BackendOptions options) {
        // Before DjlBackend is touched: loading that class needs DJL on the class path.
        PyTorchNatives.requireAvailable();
        return DjlBackend.create(options);
    }
}
