package dev.forwardpass.api;

import static com.google.common.base.Preconditions.checkArgument;

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
        checkArgument(provider != null, "unknown backend '%s' (available: %s)", name, String.join(", ", byName.keySet()));
        checkArgument(provider.isAvailable(), "backend '%s' cannot run here: %s", name, provider.unavailableReason());
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
