package dev.forwardpass.api;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** Finds backends by name through {@link ServiceLoader}. There is no global default: callers name the backend. */
public final class Backends {
    private Backends() {}

    /** {@return the registered providers by name, sorted} */
    public static Map<String, BackendProvider> providers() {
        Map<String, BackendProvider> byName = new TreeMap<>();
        for (BackendProvider provider : ServiceLoader.load(BackendProvider.class)) {
            byName.putIfAbsent(provider.name(), provider);
        }
        return byName;
    }

    /** {@return the provider registered under {@code name}} */
    public static BackendProvider provider(String name) {
        Map<String, BackendProvider> byName = providers();
        BackendProvider provider = byName.get(name);
        if (provider == null) {
            throw new IllegalArgumentException(
                    "unknown backend '" + name + "' (available: " + String.join(", ", byName.keySet()) + ")");
        }
        if (!provider.isAvailable()) {
            throw new IllegalArgumentException(
                    "backend '" + name + "' cannot run here: " + provider.unavailableReason());
        }
        return provider;
    }

    /** {@return a new backend named {@code name}; the caller closes it} */
    public static Backend get(String name, BackendOptions options) {
        return provider(name).create(options);
    }

    /** {@return a new backend named {@code name} using every available processor} */
    public static Backend get(String name) {
        return get(name, BackendOptions.defaults());
    }
}
