package dev.forwardpass.backend.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.conformance.BackendConformanceTest;
import dev.forwardpass.conformance.DelegatingBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * A test of the test: the conformance suite, run against a backend that is the reference except for one op, must
 * fail exactly the tests of that op.
 */
class ConformanceSuiteSelfTest {

    /** The reference backend with the rotation of RoPE turned the wrong way. */
    static final class BackwardsRopeBackend extends DelegatingBackend {
        BackwardsRopeBackend(Backend delegate) {
            super(delegate);
        }

        @Override
        public void rope(Tensor x, int pos, Rope rope) {
            float[] negated = new float[rope.headSize() / 2];
            for (int i = 0; i < negated.length; i++) {
                negated[i] = -rope.inverseFrequency(i);
            }
            super.rope(x, pos, Rope.ofInverseFrequencies(negated, rope.layout()));
        }
    }

    /**
     * The suite against {@link BackwardsRopeBackend}. Run only through the launcher below: Surefire skips nested
     * classes, and the tag keeps any other discovery away.
     */
    @Tag("conformance-self-test")
    static final class BackwardsRopeConformance extends BackendConformanceTest {
        @Override
        protected Backend createBackend(BackendOptions options) {
            return new BackwardsRopeBackend(new ScalarBackend(options));
        }
    }

    @Test
    void theSuiteFailsTheRopeTestsOfABackendWithABackwardsRopeAndNothingElse() {
        Map<String, TestExecutionResult> results = run(BackwardsRopeConformance.class);

        List<String> failed = new ArrayList<>();
        List<String> passed = new ArrayList<>();
        results.forEach((test, result) -> {
            switch (result.getStatus()) {
                case SUCCESSFUL -> passed.add(test);
                case FAILED -> failed.add(test);
                case ABORTED -> { } // an assumption did not hold: neither a pass nor a failure
            }
        });
        assertFalse(failed.isEmpty(), "the broken rope went unnoticed");
        // the rope test, and the test of rope at a position per row, which holds it to rope from a start position
        assertTrue(failed.stream().allMatch(test -> test.startsWith("rope(") || test.startsWith("ropeOfRows")),
                "only rope may fail, failed: " + failed);
        assertEquals(4, failed.size(), "both rope tests fail for both layouts, failed: " + failed);
        assertTrue(passed.size() > 20, "the other tests ran and passed: " + passed);
        String message = results.get(failed.get(0)).getThrowable().orElseThrow().getMessage();
        assertTrue(message.startsWith("rope ") && message.contains("seed=") && message.contains("worst at index"),
                "the failure names op, case, seed and worst element: " + message);
    }

    /** {@return the result of every test (not container) of the class, by "method(arguments)"} */
    private static Map<String, TestExecutionResult> run(Class<?> testClass) {
        LauncherDiscoveryRequest request =
                LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build();
        Map<String, TestExecutionResult> results = new TreeMap<>();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (test.isTest()) {
                    results.put(test.getLegacyReportingName() + "#" + test.getUniqueId().hashCode(), result);
                }
            }
        };
        LauncherFactory.create().execute(request, listener);
        return results;
    }
}
