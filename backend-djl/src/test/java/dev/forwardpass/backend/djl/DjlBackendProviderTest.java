package dev.forwardpass.backend.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.BackendProvider;
import dev.forwardpass.api.Backends;
import org.junit.jupiter.api.Test;

class DjlBackendProviderTest {

    @Test
    void isFoundByNameAndAvailable() {
        BackendProvider provider = Backends.providers().get("djl");
        assertInstanceOf(DjlBackendProvider.class, provider);
        assertTrue(provider.isAvailable(), provider.unavailableReason());
        assertEquals("", provider.unavailableReason());
        assertFalse(provider.description().isBlank());
    }

    @Test
    void createsABackendWithTheRequestedThreads() {
        try (Backend backend = Backends.get("djl", BackendOptions.withThreads(2))) {
            assertEquals("djl", backend.name());
            assertEquals(2, backend.threads());
            assertEquals("true", System.getProperty("ai.djl.offline"));
        }
    }
}
