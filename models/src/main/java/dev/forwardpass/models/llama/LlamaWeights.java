package dev.forwardpass.models.llama;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.WeightUploader;
import java.util.ArrayList;
import java.util.List;

/**
 * All weights of a Llama model, owned by one backend.
 *
 * @param tokenEmbedding (vocabSize, dim)
 * @param layers one entry per transformer block
 * @param finalNorm (dim,) RMSNorm weight before the classifier
 * @param classifier (vocabSize, dim); the same tensor as tokenEmbedding when the checkpoint shares them
 * @param bytes the size of all these weights as the file stores them (a shared tensor counted once): what a
 *     decode step streams from memory
 * @param parameters the number of weights (a shared tensor counted once)
 */
public record LlamaWeights(Tensor tokenEmbedding, List<LlamaLayer> layers, Tensor finalNorm, Tensor classifier,
        long bytes,
        long parameters) {

    public LlamaWeights {
        layers = List.copyOf(layers);
    }

    /** Uploads every tensor of {@code checkpoint} to {@code backend}, checking each shape against the config. */
    static LlamaWeights upload(LlamaCheckpoint checkpoint, Backend backend) throws ModelFormatException {
        LlamaConfig c = checkpoint.config();
        WeightUploader loader = new WeightUploader(checkpoint.source(), checkpoint::tensor, backend);
        try {
            Tensor tokenEmbedding = loader.load("token_embd.weight", c.vocabSize(), c.dim());
            List<LlamaLayer> layers = new ArrayList<>(c.nLayers());
            for (int l = 0; l < c.nLayers(); l++) {
                String blk = "blk." + l + ".";
                layers.add(new LlamaLayer(
                        loader.load(blk + "attn_norm.weight", c.dim()),
                        loader.load(blk + "attn_q.weight", c.qDim(), c.dim()),
                        loader.load(blk + "attn_k.weight", c.kvDim(), c.dim()),
                        loader.load(blk + "attn_v.weight", c.kvDim(), c.dim()),
                        loader.load(blk + "attn_output.weight", c.dim(), c.qDim()),
                        loader.load(blk + "ffn_norm.weight", c.dim()),
                        loader.load(blk + "ffn_gate.weight", c.hiddenDim(), c.dim()),
                        loader.load(blk + "ffn_up.weight", c.hiddenDim(), c.dim()),
                        loader.load(blk + "ffn_down.weight", c.dim(), c.hiddenDim()),
                        c.qkvBias() ? loader.load(blk + "attn_q.bias", c.qDim()) : null,
                        c.qkvBias() ? loader.load(blk + "attn_k.bias", c.kvDim()) : null,
                        c.qkvBias() ? loader.load(blk + "attn_v.bias", c.kvDim()) : null));
            }
            Tensor finalNorm = loader.load("output_norm.weight", c.dim());
            Tensor classifier = checkpoint.sharedClassifier()
                    ? tokenEmbedding
                    : loader.load("output.weight", c.vocabSize(), c.dim());
            return new LlamaWeights(tokenEmbedding, layers, finalNorm, classifier, loader.bytes(), loader.parameters());
        } catch (ModelFormatException | RuntimeException e) {
            loader.closeAll();
            throw e;
        }
    }

    void close() {
        tokenEmbedding.close();
        layers.forEach(LlamaLayer::close);
        finalNorm.close();
        if (classifier != tokenEmbedding) {
            classifier.close();
        }
    }
}
