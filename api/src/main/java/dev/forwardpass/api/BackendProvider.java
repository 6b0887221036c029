package dev.forwardpass.api;

/**
 * Makes a backend findable by name. Registered in {@code META-INF/services/dev.forwardpass.api.BackendProvider}.
 *
 * <p>Providers are cheap: constructing one and calling {@link #name()} or {@link #isAvailable()} must not load
 * native libraries or start threads. {@link #create} does the heavy work.
 */
public interface BackendProvider {

    /** {@return the name users pick this backend by (lower case, e.g. {@code "java"})} */
    String name();

    /** {@return a one-line description for help texts} */
    String description();

    /** {@return whether the backend can run here (e.g. its native library is present)} */
    boolean isAvailable();

    /** {@return why {@link #isAvailable()} is false, or an empty string when it is true} */
    default String unavailableReason() {
        return "";
    }

    /** {@return a new backend; the caller closes it} */
    Backend create(BackendOptions options);
}
