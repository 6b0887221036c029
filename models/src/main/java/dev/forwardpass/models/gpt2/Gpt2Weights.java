package dev.forwardpass.models.gpt2;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.TensorData;
import java.util.ArrayList;
import java.util.List;

/**
 * All weights of a GPT-2 model, owned by one backend.
 *
 * @param tokenEmbedding (vocabSize, dim) HF wte
 * @param positionEmbedding (seqLen, dim) HF wpe, one learned row per position
 * @param layers one entry per transformer block
 * @param finalNorm (dim,) LayerNorm weight before the classifier; HF ln_f.weight
 * @param finalNormBias (dim,) its bias
 * @param classifier (vocabSize, dim); the same tensor as tokenEmbedding when the checkpoint ties them (GPT-2 does)
 * @param bytes the size of all these weights as the checkpoint stores them (a shared tensor counted once): what a
 *     decode step reads
 */
public record Gpt2Weights(Tensor tokenEmbedding, Tensor positionEmbedding, List<Gpt2Layer> layers, Tensor finalNorm,
        Tensor finalNormBias, Tensor classifier, long bytes) {

    public Gpt2Weights {
        layers = List.copyOf(layers);
    }

    /** Uploads every tensor of {@code checkpoint} to {@code backend}, checking each shape against the config. */
    static Gpt2Weights upload(Gpt2Checkpoint checkpoint, Backend backend) throws ModelFormatException {
        Gpt2Config c = checkpoint.config();
        Uploader loader = new Uploader(checkpoint, backend);
        try {
            Tensor tokenEmbedding = loader.load("token_embd.weight", c.vocabSize(), c.dim());
            Tensor positionEmbedding = loader.load("position_embd.weight", c.seqLen(), c.dim());
            List<Gpt2Layer> layers = new ArrayList<>(c.nLayers());
            for (int l = 0; l < c.nLayers(); l++) {
                String blk = "blk." + l + ".";
                layers.add(new Gpt2Layer(
                        loader.load(blk + "attn_norm.weight", c.dim()),
                        loader.load(blk + "attn_norm.bias", c.dim()),
                        loader.load(blk + "attn_q.weight", c.dim(), c.dim()),
                        loader.load(blk + "attn_q.bias", c.dim()),
                        loader.load(blk + "attn_k.weight", c.dim(), c.dim()),
                        loader.load(blk + "attn_k.bias", c.dim()),
                        loader.load(blk + "attn_v.weight", c.dim(), c.dim()),
                        loader.load(blk + "attn_v.bias", c.dim()),
                        loader.load(blk + "attn_output.weight", c.dim(), c.dim()),
                        loader.load(blk + "attn_output.bias", c.dim()),
                        loader.load(blk + "ffn_norm.weight", c.dim()),
                        loader.load(blk + "ffn_norm.bias", c.dim()),
                        loader.load(blk + "ffn_up.weight", c.hiddenDim(), c.dim()),
                        loader.load(blk + "ffn_up.bias", c.hiddenDim()),
                        loader.load(blk + "ffn_down.weight", c.dim(), c.hiddenDim()),
                        loader.load(blk + "ffn_down.bias", c.dim())));
            }
            Tensor finalNorm = loader.load("output_norm.weight", c.dim());
            Tensor finalNormBias = loader.load("output_norm.bias", c.dim());
            Tensor classifier = checkpoint.sharedClassifier()
                    ? tokenEmbedding
                    : loader.load("output.weight", c.vocabSize(), c.dim());
            return new Gpt2Weights(tokenEmbedding, positionEmbedding, layers, finalNorm, finalNormBias, classifier,
                    loader.bytes);
        } catch (ModelFormatException | RuntimeException e) {
            loader.closeAll();
            throw e;
        }
    }

    /** Uploads tensors one by one, remembering them so that a failure half-way releases what was uploaded. */
    private static final class Uploader {
        private final Gpt2Checkpoint checkpoint;
        private final Backend backend;
        private final List<Tensor> uploaded = new ArrayList<>();
        private long bytes;

        Uploader(Gpt2Checkpoint checkpoint, Backend backend) {
            this.checkpoint = checkpoint;
            this.backend = backend;
        }

        Tensor load(String name, int... expectedShape) throws ModelFormatException {
            TensorData data = checkpoint.tensor(name);
            Shape expected = Shape.of(expectedShape);
            if (!data.shape().equals(expected)) {
                throw new ModelFormatException(checkpoint.source(), -1, name,
                        "shape " + data.shape() + " does not match the config's " + expected);
            }
            Tensor tensor = backend.upload(data.data(), data.shape(), data.dtype());
            uploaded.add(tensor);
            bytes += data.data().byteSize();
            return tensor;
        }

        void closeAll() {
            uploaded.forEach(Tensor::close);
        }
    }

    void close() {
        tokenEmbedding.close();
        positionEmbedding.close();
        layers.forEach(Gpt2Layer::close);
        finalNorm.close();
        finalNormBias.close();
        if (classifier != tokenEmbedding) {
            classifier.close();
        }
    }
}
