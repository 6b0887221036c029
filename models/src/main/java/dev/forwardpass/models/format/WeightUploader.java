package dev.forwardpass.models.format;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Uploads a checkpoint's tensors to a backend one by one, checking each shape against what the model's config
 * expects, counting the bytes, and remembering the tensors so that a failure half-way releases what was uploaded.
 */
public final class WeightUploader {
    /** Where tensors come from: a checkpoint's {@code tensor(name)}. */
    @FunctionalInterface
    public interface Source {
        TensorData tensor(String name) throws ModelFormatException;
    }

    private final String checkpointName;
    private final Source source;
    private final Backend backend;
    private final List<Tensor> uploaded = new ArrayList<>();
    private long bytes;
    private long parameters;

    /**
     * @param checkpointName the file or folder, for error messages
     * @param source the checkpoint's tensors
     * @param backend where they go
     */
    public WeightUploader(String checkpointName, Source source, Backend backend) {
        this.checkpointName = checkpointName;
        this.source = source;
        this.backend = backend;
    }

    /** {@return tensor {@code name} on the backend}, after checking that its shape is {@code expectedShape} */
    public Tensor load(String name, int... expectedShape) throws ModelFormatException {
        TensorData data = source.tensor(name);
        Shape expected = Shape.of(expectedShape);
        if (!data.shape().equals(expected)) {
            throw new ModelFormatException(checkpointName, -1, name,
                    "shape " + data.shape() + " does not match the config's " + expected);
        }
        Tensor tensor = backend.upload(data.data(), data.shape(), data.dtype());
        uploaded.add(tensor);
        bytes += data.data().byteSize();
        parameters += data.shape().size();
        return tensor;
    }

    /** {@return the bytes of every tensor uploaded so far, as the checkpoint stores them} */
    public long bytes() {
        return bytes;
    }

    /** {@return the number of weights uploaded so far} */
    public long parameters() {
        return parameters;
    }

    /** Releases every tensor uploaded so far (after a failure). */
    public void closeAll() {
        uploaded.forEach(Tensor::close);
    }
}
