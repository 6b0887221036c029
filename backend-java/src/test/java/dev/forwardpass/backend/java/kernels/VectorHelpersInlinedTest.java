package dev.forwardpass.backend.java.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorMask;
import org.junit.jupiter.api.Test;

/**
 * The compile commands that the launcher, the tests and the benchmarks pass to the JVM name every method of the
 * kernels that takes or returns a vector (a call of one that is not inlined boxes its vectors): a helper added without
 * its line, or a line left for a helper that is gone, fails here. The methods they keep out of line (compiled on their
 * own) must exist and must not take or return a vector.
 */
class VectorHelpersInlinedTest {
    private static final Path COMMANDS = Path.of("src/main/jvm/compile-commands.txt");

    @Test
    void theCompileCommandsInlineEveryKernelMethodThatTakesOrReturnsAVector() throws IOException, URISyntaxException,
            ClassNotFoundException {
        Set<String> inlined = commands("inline ");
        Set<String> vectorMethods = new TreeSet<>();
        Set<String> otherMethods = new TreeSet<>();
        Path classes = Path.of(VectorMath.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve(VectorMath.class.getPackageName().replace('.', '/'));
        List<Path> classFiles;
        try (Stream<Path> files = Files.list(classes)) {
            classFiles = files.filter(f -> f.toString().endsWith(".class")).toList();
        }
        for (Path classFile : classFiles) {
            String simpleName = classFile.getFileName().toString().replace(".class", "");
            Class<?> type = Class.forName(VectorMath.class.getPackageName() + "." + simpleName);
            for (Method method : type.getDeclaredMethods()) {
                if (method.isSynthetic()) {
                    continue;
                }
                String name = type.getName() + "::" + method.getName();
                if (isVector(method.getReturnType())
                        || Arrays.stream(method.getParameterTypes()).anyMatch(VectorHelpersInlinedTest::isVector)) {
                    vectorMethods.add(name);
                } else {
                    otherMethods.add(name);
                }
            }
        }
        assertEquals(vectorMethods, inlined, "the methods that take or return a vector, and the inline lines of "
                + COMMANDS);
        Set<String> outOfLine = commands("dontinline ");
        outOfLine.removeAll(otherMethods);
        assertEquals(Set.of(), outOfLine, "dontinline lines of " + COMMANDS + " naming no method, or one that takes or"
                + " returns a vector");
    }

    /** {@return the methods the lines of {@link #COMMANDS} that start with {@code command} name} */
    private static Set<String> commands(String command) throws IOException {
        Set<String> methods = new TreeSet<>();
        for (String line : Files.readAllLines(COMMANDS)) {
            if (line.startsWith(command)) {
                methods.add(line.substring(command.length()).strip());
            }
        }
        return methods;
    }

    private static boolean isVector(Class<?> type) {
        return Vector.class.isAssignableFrom(type) || VectorMask.class.isAssignableFrom(type);
    }
}
