/**
 * The conformance suite every backend passes ({@link dev.forwardpass.conformance.BackendConformanceTest}, shipped in
 * backend-java's test-jar) and its {@link dev.forwardpass.conformance.Tolerance}.
 */
package dev.forwardpass.conformance;
