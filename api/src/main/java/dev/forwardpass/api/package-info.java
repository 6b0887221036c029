/**
 * The backend-neutral Transformer op contract: {@link dev.forwardpass.api.Backend} (the ops),
 * {@link dev.forwardpass.api.Tensor} (opaque, backend-owned handles), {@link dev.forwardpass.api.Shape},
 * {@link dev.forwardpass.api.DType}, and discovery of backends by name through {@link dev.forwardpass.api.Backends}.
 *
 * <p>Any null argument elicits a {@link java.lang.NullPointerException} unless a parameter is documented as nullable.
 * Tensor arguments of the wrong shape or from another backend elicit an {@link java.lang.IllegalArgumentException}.
 */
package dev.forwardpass.api;
