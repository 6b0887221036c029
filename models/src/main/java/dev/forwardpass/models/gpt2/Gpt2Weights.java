package dev.forwardpass.models.gpt2;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.Tensor;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.WeightUploader;
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
 * @param parameters the number of weights (a shared tensor counted once)
 */
public record Gpt2Weights(Tensor tokenEmbedding, Tensor positionEmbedding, List<Gpt2Layer> layers, Tensor finalNorm,
        Tensor finalNormBias, Tensor classifier, long bytes,
        long parameters) {

    public Gpt2Weights {
        layers = List.copyOf(layers);
    }

    /** Uploads every tensor of {@code checkpoint} to {@code backend}, checking each shape against the config. */
    static Gpt2Weights upload(Gpt2Checkpoint checkpoint, Backend backend) throws ModelFormatException {
        Gpt2Config c = checkpoint.config();
        WeightUploader loader = new WeightUploader(checkpoint.source(), checkpoint::tensor, backend);
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
                    loader.bytes(), loader.parameters());
        } catch (ModelFormatException | RuntimeException e) {
            loader.closeAll();
            throw e;
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
