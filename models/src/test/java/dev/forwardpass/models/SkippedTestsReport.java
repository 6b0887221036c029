package dev.forwardpass.models;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints one line for every skipped test with its reason (surefire's console shows only how many were skipped), so
 * that a run without {@code ../shared} says which file each skipped test needs. Registered as a service.
 */
public final class SkippedTestsReport implements TestExecutionListener {

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        report(test, reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            report(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
        }
    }

    private static void report(TestIdentifier test, String reason) {
        String name = switch (test.getSource().orElse(null)) {
            case MethodSource method -> method.getJavaClass().getSimpleName() + "." + method.getMethodName();
            case ClassSource type -> type.getJavaClass().getSimpleName();
            case null, default -> test.getDisplayName();
        };
        System.out.println("skipped " + name + ": " + reason);
    }
}
