package dev.forwardpass.models.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole file mapped read-only into memory (no 2 GB limit), or bytes held in memory that stand in for one (the
 * embedded model). Closing it unmaps the file. The arena is shared because kernels read weights from pool threads.
 */
public final class MappedFile implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment data;
    private final String source;

    private MappedFile(Arena arena, MemorySegment data, String source) {
        this.arena = arena;
        this.data = data;
        this.source = source;
    }

    /** Maps {@code path} read-only; it must be a regular file ({@link InputFiles#checkRegularFile}). */
    public static MappedFile open(Path path) throws IOException {
        InputFiles.checkRegularFile(path);
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment data = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new MappedFile(arena, data, path.toString());
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Copies {@code bytes} into off-heap memory owned by the returned object (for resources inside a jar). */
    public static MappedFile ofBytes(byte[] bytes, String source) {
        Arena arena = Arena.ofShared();
        MemorySegment data = arena.allocate(Math.max(1, bytes.length), 64).asSlice(0, bytes.length);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, data, 0, bytes.length);
        return new MappedFile(arena, data, source);
    }

    /** {@return the file's bytes; valid until {@link #close()}} */
    public MemorySegment data() {
        return data;
    }

    /** {@return the file's name or path for messages} */
    public String source() {
        return source;
    }

    /** {@return a reader positioned at the start of the file} */
    public BinaryReader reader() {
        return new BinaryReader(data, source);
    }

    /** Validates a file and makes the object that owns it from then on. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(MappedFile file) throws ModelFormatException;
    }

    /**
     * {@return what {@code parser} makes of this file}, which then owns it (closing that object closes the file); if
     * the parser fails, the file is closed here
     */
    public <T> T parseOrClose(Parser<T> parser) throws ModelFormatException {
        try {
            return parser.parse(this);
        } catch (ModelFormatException | RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
