/**
 * The conformance suite every backend passes ({@link dev.forwardpass.conformance.BackendConformanceTest}), its
 * {@link dev.forwardpass.conformance.Tolerance}, {@link dev.forwardpass.conformance.RandomBlocks} (weights of the block
 * types), and {@link dev.forwardpass.conformance.DelegatingBackend}, for tests
 * that break or observe one op of a backend. A backend's tests depend on this module at test scope, together with
 * {@code forwardpass-backend-java}, whose backend {@code "scalar"} is the reference the suite finds by name.
 */
package dev.forwardpass.conformance;
