package dev.forwardpass.benchmarks;

import java.util.List;

/**
 * The JVM flags of every benchmark fork ({@code @Fork(jvmArgsAppend = ...)}, which takes constants only) and of the
 * backend probe, in one place.
 */
final class ForkFlags {
    static final String ADD_MODULES = "--add-modules";
    /** The Vector API, still an incubator module in JDK 25: the java backend's kernels and the bandwidth sum. */
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    /** PyTorch's natives (djl), loaded from the unnamed module, without a warning. */
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    /** JMH 1.37 still uses sun.misc.Unsafe, which JDK 25 warns about in every fork. */
    static final String JMH_UNSAFE = "--sun-misc-unsafe-memory-access=allow";
    /**
     * The JIT inlines the kernels' helpers that take vectors, always (see the file; the launcher and the tests pass it
     * too). The path is the repository's, as the benchmarks run from its root; elsewhere the JVM finds no file and
     * goes on without it.
     */
    static final String COMPILE_COMMANDS = "-XX:CompileCommandFile=backend-java/src/main/jvm/compile-commands.txt";

    /** All of them, in order. */
    static final List<String> ALL = List.of(ADD_MODULES, VECTOR_MODULE, NATIVE_ACCESS, JMH_UNSAFE, COMPILE_COMMANDS);

    private ForkFlags() {}
}
