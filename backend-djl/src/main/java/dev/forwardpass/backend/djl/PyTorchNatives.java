package dev.forwardpass.backend.djl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * Checks, cheaply, that PyTorch's native libraries can be loaded here without touching the network, and records how
 * DJL finds them.
 *
 * <h2>How DJL resolves the natives (DJL 0.36, PyTorch 2.7.1)</h2>
 * <ol>
 *   <li>{@code PYTORCH_LIBRARY_PATH} (environment variable, else system property), if it names a directory holding
 *       {@code libtorch.so}, is used as is.
 *   <li>Otherwise DJL reads every {@code native/lib/pytorch.properties} on the class path. The
 *       {@code ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64} jar has one ({@code version=2.7.1-20250812},
 *       {@code flavor=cpu}, {@code classifier=linux-x86_64}, the list of libraries). If it matches this machine, DJL
 *       copies {@code pytorch/cpu/linux-x86_64/*.so} out of that jar into
 *       {@code <cache>/pytorch/2.7.1-20250812-cpu-linux-x86_64/}, and {@code jnilib/linux-x86_64/cpu/libdjl_torch.so}
 *       out of the {@code pytorch-jni} jar next to them as {@code 0.36.0-libdjl_torch.so}. The next run finds the
 *       files there and copies nothing.
 *   <li>Only if no matching properties file is on the class path (or the JNI jar does not match the PyTorch version)
 *       does DJL download from its own site. {@code ai.djl.offline} does <em>not</em> stop that download, so
 *       {@link #problem()} refuses those cases up front instead.
 * </ol>
 * {@code <cache>} is {@code ENGINE_CACHE_DIR}, else {@code DJL_CACHE_DIR} (each an environment variable, else a
 * system property), else {@code ~/.djl.ai} (or {@code <java.io.tmpdir>/.djl.ai} when the home directory is not
 * writable). The first extraction writes about 450 MB and takes a few seconds.
 *
 * <p>{@code ai.djl.offline=true} is still needed: while the {@code ai.djl.engine.Engine} class initializes, DJL
 * otherwise pings its telemetry endpoint (including the EC2 instance-metadata address). We set it before that class
 * is first touched ({@link DjlBackend#create}).
 *
 * <p>This class refers to no DJL type, so that {@link #problem()} works (and reports) even when DJL is missing.
 */
final class PyTorchNatives {
    private static final String NATIVE_PROPERTIES = "native/lib/pytorch.properties";
    private static final String JNI_PROPERTIES = "jnilib/pytorch.properties";
    private static final String ENGINE_CLASS = "ai/djl/pytorch/engine/PtEngineProvider.class";
    private static final String NATIVE_JAR_HINT =
            "add ai.djl.pytorch:pytorch-native-cpu:2.7.1 (classifier %s) to the class path; nothing is downloaded at run time";

    private PyTorchNatives() {}

    /**
     * {@return why PyTorch cannot be loaded here, or empty if it can}. Cheap: reads two small class-path resources and
     * loads no native code and no DJL class.
     */
    static Optional<String> problem() {
        ClassLoader loader = classLoader();
        if (loader.getResource(ENGINE_CLASS) == null) {
            return Optional.of("the DJL PyTorch engine (ai.djl.pytorch:pytorch-engine) is not on the class path");
        }
        String classifier = classifier();
        if (classifier == null) {
            return Optional.of("DJL ships no PyTorch natives for " + System.getProperty("os.name") + "/"
                    + System.getProperty("os.arch"));
        }
        String jniLibrary = "jnilib/" + classifier + "/cpu/" + System.mapLibraryName("djl_torch");
        if (loader.getResource(jniLibrary) == null) {
            return Optional.of("no DJL PyTorch JNI library " + jniLibrary
                    + " on the class path (ai.djl.pytorch:pytorch-jni)");
        }
        if (overrideDirectory().isPresent()) {
            return Optional.empty();
        }
        Properties natives = matchingNativeProperties(loader, classifier);
        if (natives == null) {
            return Optional.of("PyTorch native library not found for " + classifier + ": "
                    + NATIVE_JAR_HINT.formatted(classifier));
        }
        // DJL downloads a JNI library of its own when the bundled one was built for another PyTorch version.
        String torchVersion = natives.getProperty("version", "").replaceFirst("-\\d{8}$", "");
        String jniVersion = readProperties(loader.getResource(JNI_PROPERTIES)).getProperty("jni_version", "");
        if (!jniVersion.startsWith(torchVersion + "-")) {
            return Optional.of("the DJL PyTorch JNI library (" + jniVersion + ") does not match the PyTorch natives ("
                    + torchVersion + ")");
        }
        return Optional.empty();
    }

    /**
     * Fails unless {@link #problem()} is empty.
     *
     * @throws IllegalStateException naming what is missing
     */
    static void requireAvailable() {
        Optional<String> problem = problem();
        if (problem.isPresent()) {
            throw new IllegalStateException("backend 'djl' cannot run here: " + problem.get());
        }
    }

    private static Optional<Path> overrideDirectory() {
        String path = System.getenv("PYTORCH_LIBRARY_PATH");
        if (path == null) {
            path = System.getProperty("PYTORCH_LIBRARY_PATH");
        }
        if (path == null || path.isEmpty()) {
            return Optional.empty();
        }
        Path dir = Path.of(path);
        return Files.isRegularFile(dir.resolve(System.mapLibraryName("torch"))) ? Optional.of(dir) : Optional.empty();
    }

    private static Properties matchingNativeProperties(ClassLoader loader, String classifier) {
        try {
            Enumeration<URL> urls = loader.getResources(NATIVE_PROPERTIES);
            while (urls.hasMoreElements()) {
                Properties properties = readProperties(urls.nextElement());
                if (!Boolean.parseBoolean(properties.getProperty("placeholder"))
                        && classifier.equals(properties.getProperty("classifier"))) {
                    return properties;
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + NATIVE_PROPERTIES + " on the class path", e);
        }
    }

    private static Properties readProperties(URL url) {
        Properties properties = new Properties();
        if (url == null) {
            return properties;
        }
        try (InputStream in = url.openStream()) {
            properties.load(in);
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + url, e);
        }
    }

    /** The class loader DJL itself searches: the thread's context loader, else the one that loaded us. */
    private static ClassLoader classLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : PyTorchNatives.class.getClassLoader();
    }

    /** DJL's platform classifier ({@code linux-x86_64}, ...), or null where DJL has no PyTorch build. */
    private static String classifier() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osPart = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "osx" : os.startsWith("win") ? "win" : null;
        String archPart = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> null;
        };
        return osPart == null || archPart == null ? null : osPart + "-" + archPart;
    }
}
