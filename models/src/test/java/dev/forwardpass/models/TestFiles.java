package dev.forwardpass.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** The data the tests read: the embedded model (a resource of this module) and files of {@code ../shared}. */
public final class TestFiles {
    private static final Path SHARED = sharedFolder();
    private static final boolean REQUIRE_SHARED = "1".equals(System.getenv("FORWARDPASS_REQUIRE_SHARED"));

    private TestFiles() {}

    /** {@return the bytes of the embedded stories260K checkpoint} */
    public static byte[] stories260K() {
        return resource(ModelLoader.EMBEDDED_MODEL_RESOURCE);
    }

    /** {@return the bytes of the embedded 512-token tokenizer} */
    public static byte[] tok512() {
        return resource(ModelLoader.EMBEDDED_TOKENIZER_RESOURCE);
    }

    /**
     * {@return a file of the read-only data in {@code ../shared}, beside the repository} (large or licence-bound files
     * the repository does not hold). When it is absent the calling test is skipped, with a reason that names the file;
     * with {@code FORWARDPASS_REQUIRE_SHARED=1} (CI) it fails instead, so that no test is skipped there unnoticed.
     */
    public static Path shared(String relative) {
        Path file = SHARED.resolve(relative);
        if (!Files.exists(file)) {
            String reason = "needs ../shared/" + relative + ": absent";
            if (REQUIRE_SHARED) {
                throw new IllegalStateException(reason + " (FORWARDPASS_REQUIRE_SHARED is set)");
            }
            Assumptions.abort(reason);
        }
        return file;
    }

    /** {@return the folder {@code shared} beside the repository's root: the directory that holds {@code .mvn}} */
    private static Path sharedFolder() {
        Path here = Path.of("").toAbsolutePath();
        for (Path dir = here; dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve(".mvn"))) {
                return dir.resolveSibling("shared");
            }
        }
        throw new IllegalStateException("not inside the repository (no .mvn above " + here + ")");
    }

    /** {@return the bytes of the class-path resource {@code name} (an absolute resource path)} */
    public static byte[] resource(String name) {
        try (InputStream in = ModelLoader.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code bytes} to a new file in {@code dir} and {@return its path}. */
    public static Path write(Path dir, String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
