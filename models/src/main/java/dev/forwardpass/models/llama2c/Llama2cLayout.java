package dev.forwardpass.models.llama2c;

import static dev.forwardpass.models.llama.LlamaTensors.ATTN_NORM;
import static dev.forwardpass.models.llama.LlamaTensors.CLASSIFIER;
import static dev.forwardpass.models.llama.LlamaTensors.FFN_NORM;
import static dev.forwardpass.models.llama.LlamaTensors.FINAL_NORM;
import static dev.forwardpass.models.llama.LlamaTensors.TOKEN_EMBEDDING;
import static dev.forwardpass.models.llama.LlamaTensors.WK;
import static dev.forwardpass.models.llama.LlamaTensors.WO;
import static dev.forwardpass.models.llama.LlamaTensors.WQ;
import static dev.forwardpass.models.llama.LlamaTensors.WV;
import static dev.forwardpass.models.llama.LlamaTensors.W_DOWN;
import static dev.forwardpass.models.llama.LlamaTensors.W_GATE;
import static dev.forwardpass.models.llama.LlamaTensors.W_UP;

import dev.forwardpass.api.Shape;
import dev.forwardpass.models.decoder.TensorSpec;
import dev.forwardpass.models.llama.LlamaConfig;
import java.util.List;

/**
 * Where a llama2.c checkpoint puts each tensor: rows of the Llama table in file order, a block's tensor stored for
 * every layer in turn (grouped by kind across layers). The reader, the writer and the size check all walk this one
 * order.
 */
final class Llama2cLayout {
    private Llama2cLayout() {}

    /**
     * Legacy order: run.c's {@code memory_map_weights}. The two unused rope tables ({@code freq_cis_real} and
     * {@code freq_cis_imag}) come after the final norm, before the classifier.
     */
    static final List<TensorSpec<LlamaConfig>> LEGACY = List.of(TOKEN_EMBEDDING, ATTN_NORM, WQ, WK, WV, WO, FFN_NORM,
            W_GATE, W_DOWN, W_UP, FINAL_NORM, CLASSIFIER);

    /** Version-1 order: export.py's {@code version1_export}; no rope tables. */
    static final List<TensorSpec<LlamaConfig>> VERSION_1 = List.of(ATTN_NORM, FFN_NORM, FINAL_NORM, TOKEN_EMBEDDING,
            WQ, WK, WV, WO, W_GATE, W_DOWN, W_UP, CLASSIFIER);

    /** Receives the parts of a checkpoint in file order. */
    interface Visitor<E extends Exception> {
        /** A float32 tensor: {@code name} of {@code shape}. */
        void tensor(String name, Shape shape) throws E;

        /** The two rope tables of the legacy layout, {@code (seqLen, headSize / 2)} float32 each. */
        void ropeTables(LlamaConfig config) throws E;
    }

    /**
     * Walks the parts of a checkpoint of {@code config} in file order.
     *
     * @param version 0 for legacy, 1
     * @param shared whether the classifier is the token embedding (then it is not stored)
     */
    static <E extends Exception> void walk(LlamaConfig config, int version, boolean shared, Visitor<E> visitor)
            throws E {
        for (TensorSpec<LlamaConfig> spec : version == 0 ? LEGACY : VERSION_1) {
            if (spec == CLASSIFIER) {
                if (version == 0) {
                    visitor.ropeTables(config);
                }
                if (shared) {
                    continue;
                }
            }
            Shape shape = spec.shape().apply(config);
            if (spec.perLayer()) {
                for (int l = 0; l < config.nLayers(); l++) {
                    visitor.tensor(spec.name(l), shape);
                }
            } else {
                visitor.tensor(spec.name(), shape);
            }
        }
    }

    /** {@return the bytes of one of the two rope tables} */
    static long ropeTableBytes(LlamaConfig config) {
        return (long) config.seqLen() * config.headSize() / 2 * 4;
    }

    /** {@return the bytes of every float32 a checkpoint of {@code config} holds after its header} */
    static long weightBytes(LlamaConfig config, int version, boolean shared) {
        long[] bytes = {0};
        walk(config, version, shared, new Visitor<RuntimeException>() {
            @Override
            public void tensor(String name, Shape shape) {
                bytes[0] = Math.addExact(bytes[0], Math.multiplyExact(shape.size(), 4L));
            }

            @Override
            public void ropeTables(LlamaConfig c) {
                bytes[0] = Math.addExact(bytes[0], 2 * ropeTableBytes(c));
            }
        });
        return bytes[0];
    }
}
