package dev.forwardpass.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the data the tests read: the embedded model (a resource of this module) and ../shared files. */
public final class TestFiles {
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
     * {@return a file of the read-only shared data beside the repository} (the Llama 2 tokenizer: its licence keeps
     * it out of the repository)
     */
    public static Path shared(String relative) {
        Path here = Path.of("").toAbsolutePath();
        for (Path dir = here; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve(relative);
            if (Files.exists(candidate)) {
                return candidate;
            }
            Path sibling = dir.resolveSibling("shared").resolve(relative);
            if (Files.exists(sibling)) {
                return sibling;
            }
        }
        throw new IllegalStateException("shared test data not found: ../shared/" + relative + " from " + here);
    }

    private static byte[] resource(String name) {
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
