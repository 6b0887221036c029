package dev.forwardpass.benchmarks;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import java.lang.foreign.Arena;

/**
 * Tries each backend named on the command line the way a benchmark fork would (same JVM flags, one thread): create
 * it, run one small matmul, close it. Prints one line per backend, {@code probe ok NAME} or
 * {@code probe failed NAME REASON}, for {@link BenchmarkMain}, which starts this in a JVM of its own so that a
 * backend that crashes or hangs while loading cannot take the launcher with it.
 */
public final class BackendProbe {
    static final String OK = "probe ok ";
    static final String FAILED = "probe failed ";

    private BackendProbe() {}

    public static void main(String[] args) {
        for (String name : args) {
            String problem = problem(name);
            System.out.println(problem == null ? OK + name : FAILED + name + " " + problem.replace('\n', ' '));
            System.out.flush();
        }
    }

    /** {@return why {@code name} cannot run here, or null if it can} */
    private static String problem(String name) {
        try (Backend backend = Backends.get(name, BackendOptions.withThreads(1)); Arena arena = Arena.ofShared()) {
            Tensor w = RandomData.tensor(backend, arena, Shape.of(4, 8), 1);
            Tensor x = RandomData.tensor(backend, arena, Shape.of(8), 2);
            Tensor out = backend.allocate(Shape.of(4));
            backend.matmul(out, w, x);
            backend.copyTo(out, new float[4]);
            out.close();
            x.close();
            w.close();
            return null;
        } catch (RuntimeException | LinkageError e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root + ")";
        }
    }
}
