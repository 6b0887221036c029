package dev.forwardpass.benchmarks;

import dev.forwardpass.api.DType;
import dev.forwardpass.backend.java.HugePages;
import dev.forwardpass.models.decoder.Architecture;
import dev.forwardpass.models.decoder.Checkpoint;
import dev.forwardpass.models.decoder.DecoderConfig;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A random checkpoint whose matrices (embedding, every linear weight) are random blocks of a block type instead of
 * floats ({@link BlockWeights}); the vectors (norm weights) stay as the checkpoint has them. What a quantized model
 * file of the same shape gives a backend to read, with no quantizer and no file. The blocks are on the 2 MiB pages
 * ({@link HugePages}) that the java backend copies a file's weights onto: it uploads this memory as it is, and on
 * 4 KiB pages a decode step pays page walks that a loaded file does not (110M Q8_0 on one thread: 12.9 and 12.4 ms
 * a token on 4 KiB pages, 12.0 and 11.6 on 2 MiB ones, alternating).
 *
 * @param <C> the family's config
 */
final class QuantizedCheckpoint<C extends Record & DecoderConfig> implements Checkpoint<C> {
    private final Checkpoint<C> floats;
    private final DType type;
    private final long seed;
    private final Arena arena = Arena.ofShared(); // shared: the java backend's pool threads read the blocks

    /** Wraps {@code floats} (and closes it with itself), replacing its matrices by blocks of {@code type}. */
    QuantizedCheckpoint(Checkpoint<C> floats, DType type, long seed) {
        this.floats = floats;
        this.type = type;
        this.seed = seed;
    }

    @Override
    public String source() {
        return floats.source() + " as " + type;
    }

    @Override
    public Architecture<C> architecture() {
        return floats.architecture();
    }

    @Override
    public C config() {
        return floats.config();
    }

    @Override
    public boolean has(String name) {
        return floats.has(name);
    }

    @Override
    public TensorData tensor(String name) throws ModelFormatException {
        TensorData data = floats.tensor(name);
        if (data.shape().rank() != 2 || data.shape().columns() % type.blockSize() != 0) {
            return data;
        }
        MemorySegment blocks = HugePages.allocate(type.byteSize(data.shape().size()), arena);
        BlockWeights.fill(blocks, type, seed + name.hashCode());
        return new TensorData(name, type, data.shape(), blocks);
    }

    @Override
    public void close() {
        floats.close();
        arena.close();
    }
}
