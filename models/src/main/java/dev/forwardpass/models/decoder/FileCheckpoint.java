package dev.forwardpass.models.decoder;

import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.TensorData;
import java.util.Map;

/**
 * A checkpoint read from files: every tensor it holds was found, checked and sliced (or converted) when it was opened,
 * and is kept by name. A format's reader extends this with what it must release on {@link #close()}.
 *
 * @param <C> the family's config
 */
public abstract class FileCheckpoint<C extends Record & DecoderConfig> implements Checkpoint<C> {
    private final String source;
    private final Architecture<C> architecture;
    private final C config;
    private final Map<String, TensorData> tensors;

    /**
     * @param source the file's or folder's name or path
     * @param architecture the model family
     * @param config the model's hyper-parameters
     * @param tensors every tensor the checkpoint holds, by full GGUF-style name
     */
    protected FileCheckpoint(String source, Architecture<C> architecture, C config, Map<String, TensorData> tensors) {
        this.source = source;
        this.architecture = architecture;
        this.config = config;
        this.tensors = Map.copyOf(tensors);
    }

    @Override
    public final String source() {
        return source;
    }

    @Override
    public final Architecture<C> architecture() {
        return architecture;
    }

    @Override
    public final C config() {
        return config;
    }

    @Override
    public final boolean has(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public final TensorData tensor(String name) throws ModelFormatException {
        TensorData data = tensors.get(name);
        if (data == null) {
            throw new ModelFormatException(source, -1, name, "no such tensor in this " + architecture.name()
                    + " checkpoint");
        }
        return data;
    }
}
