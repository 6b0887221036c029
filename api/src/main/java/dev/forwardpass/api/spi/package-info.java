/**
 * What a backend implements and uses, and a model never sees: {@link dev.forwardpass.api.spi.BackendProvider}, how a
 * backend is found by name through {@link java.util.ServiceLoader}, and {@link dev.forwardpass.api.spi.OpChecks}, the
 * argument checks of every op, shared by all backends.
 */
package dev.forwardpass.api.spi;
