package dev.forwardpass.models.llama;

import dev.forwardpass.api.RopeLayout;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shapes of llama2.c's public TinyStories models, for random-weight checkpoints that benchmarks can use
 * without a download (the weights differ, the amount of work per token is the same).
 */
public final class LlamaPresets {
    private LlamaPresets() {}

    /** {@return the presets by name: tinystories-15m, tinystories-42m, tinystories-110m} */
    public static Map<String, LlamaConfig> all() {
        Map<String, LlamaConfig> presets = new LinkedHashMap<>();
        presets.put("tinystories-15m", tinyStories(288, 768, 6, 6, 256));
        presets.put("tinystories-42m", tinyStories(512, 1376, 8, 8, 1024));
        presets.put("tinystories-110m", tinyStories(768, 2048, 12, 12, 1024));
        return presets;
    }

    private static LlamaConfig tinyStories(int dim, int hiddenDim, int nLayers, int nHeads, int seqLen) {
        return new LlamaConfig(dim, hiddenDim, nLayers, nHeads, nHeads, dim / nHeads, 32000, seqLen, 1e-5f, 10000f,
                RopeLayout.INTERLEAVED);
    }
}
