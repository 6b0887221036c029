package dev.forwardpass.models.huggingface;

import dev.forwardpass.api.Shape;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.SafetensorsShards;
import dev.forwardpass.models.format.TensorData;
import dev.forwardpass.models.gpt2.Gpt2Checkpoint;
import dev.forwardpass.models.gpt2.Gpt2Config;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face GPT-2 folder ({@code model_type: gpt2}) presented as a {@link Gpt2Checkpoint}.
 *
 * <p>OpenAI's checkpoints use a {@code Conv1D} module for every linear layer, so Hugging Face stores those weights
 * {@code [in_features, out_features]}: the transpose of what {@code matmul} (and every other family) expects. They
 * are transposed once here, into memory this checkpoint owns (closing it frees them); the attention's fused
 * {@code c_attn} is split into separate query, key and value weights at the same time. Everything else stays a view
 * of the mapped file. The quirks, in one table (HF names after the optional {@code transformer.} prefix; N is the
 * layer):
 * <table>
 *   <caption>Hugging Face tensor names and how they are read</caption>
 *   <tr><th>Hugging Face</th><th>shape in the file</th><th>ForwardPass (GGUF)</th><th>quirk</th></tr>
 *   <tr><td>wte.weight</td><td>(vocab, dim)</td><td>token_embd.weight</td><td>also the classifier</td></tr>
 *   <tr><td>wpe.weight</td><td>(n_positions, dim)</td><td>position_embd.weight</td><td>first seqLen rows</td></tr>
 *   <tr><td>h.N.ln_1.{weight,bias}</td><td>(dim,)</td><td>blk.N.attn_norm.{weight,bias}</td><td></td></tr>
 *   <tr><td>h.N.attn.c_attn.weight</td><td>(dim, 3·dim)</td><td>blk.N.attn_{q,k,v}.weight</td><td>Conv1D:
 *       columns 0..dim, dim..2·dim, 2·dim..3·dim, each transposed to (dim, dim)</td></tr>
 *   <tr><td>h.N.attn.c_attn.bias</td><td>(3·dim,)</td><td>blk.N.attn_{q,k,v}.bias</td><td>split in thirds</td></tr>
 *   <tr><td>h.N.attn.c_proj.weight</td><td>(dim, dim)</td><td>blk.N.attn_output.weight</td><td>Conv1D:
 *       transposed</td></tr>
 *   <tr><td>h.N.attn.c_proj.bias</td><td>(dim,)</td><td>blk.N.attn_output.bias</td><td></td></tr>
 *   <tr><td>h.N.ln_2.{weight,bias}</td><td>(dim,)</td><td>blk.N.ffn_norm.{weight,bias}</td><td></td></tr>
 *   <tr><td>h.N.mlp.c_fc.weight</td><td>(dim, hidden)</td><td>blk.N.ffn_up.weight</td><td>Conv1D:
 *       transposed</td></tr>
 *   <tr><td>h.N.mlp.c_fc.bias</td><td>(hidden,)</td><td>blk.N.ffn_up.bias</td><td></td></tr>
 *   <tr><td>h.N.mlp.c_proj.weight</td><td>(hidden, dim)</td><td>blk.N.ffn_down.weight</td><td>Conv1D:
 *       transposed</td></tr>
 *   <tr><td>h.N.mlp.c_proj.bias</td><td>(dim,)</td><td>blk.N.ffn_down.bias</td><td></td></tr>
 *   <tr><td>ln_f.{weight,bias}</td><td>(dim,)</td><td>output_norm.{weight,bias}</td><td></td></tr>
 *   <tr><td>lm_head.weight (no prefix)</td><td>(vocab, dim)</td><td>output.weight</td><td>only when
 *       {@code tie_word_embeddings} is false; an nn.Linear, not transposed</td></tr>
 *   <tr><td>h.N.attn.bias, h.N.attn.masked_bias</td><td></td><td></td><td>causal-mask buffers of old
 *       checkpoints: ignored</td></tr>
 * </table>
 */
final class HuggingFaceGpt2Checkpoint implements Gpt2Checkpoint {
    /** Activations GPT-2's config may name that are the tanh approximation {@code Backend.gelu} computes. */
    static final Set<String> TANH_GELU = Set.of("gelu_new", "gelu_pytorch_tanh", "gelu_fast");

    private final SafetensorsShards weights;
    private final Arena transposed;               // owns the transposed copies
    private final Gpt2Config config;
    private final boolean sharedClassifier;
    private final Map<String, TensorData> tensors; // ForwardPass name -> view or transposed copy

    private HuggingFaceGpt2Checkpoint(SafetensorsShards weights, Arena transposed, Gpt2Config config,
            boolean sharedClassifier, Map<String, TensorData> tensors) {
        this.weights = weights;
        this.transposed = transposed;
        this.config = config;
        this.sharedClassifier = sharedClassifier;
        this.tensors = tensors;
    }

    /**
     * Maps the weights of {@code folder}, checks them against its config, and transposes the Conv1D weights.
     *
     * @param contextLimit the longest context to allocate for, or 0 for the config's {@code n_positions}
     */
    static HuggingFaceGpt2Checkpoint open(Path folder, HuggingFaceConfig json, int contextLimit) throws IOException {
        int positions = json.has("n_positions") ? json.positiveInt("n_positions") : json.positiveInt("n_ctx");
        Gpt2Config config = config(json, positions, contextLimit);
        boolean tied = json.booleanOr("tie_word_embeddings", true);
        SafetensorsShards weights = SafetensorsShards.open(folder);
        Arena arena = Arena.ofShared();
        try {
            Map<String, TensorData> tensors = new Resolver(weights, arena, config).resolve(positions, tied);
            return new HuggingFaceGpt2Checkpoint(weights, arena, config, tied, tensors);
        } catch (ModelFormatException | RuntimeException e) {
            arena.close();
            weights.close();
            throw e;
        }
    }

    /** {@return the GPT-2 config of a {@code gpt2} config.json} */
    static Gpt2Config config(HuggingFaceConfig json, int positions, int contextLimit) throws ModelFormatException {
        int dim = json.positiveInt("n_embd");
        int nHeads = json.positiveInt("n_head");
        if (dim % nHeads != 0) {
            throw json.error("n_head", "must divide n_embd=" + dim + ", found " + nHeads);
        }
        String activation = json.stringOr("activation_function", "gelu_new");
        if (!TANH_GELU.contains(activation)) {
            throw json.error("activation_function", "unsupported activation '" + activation
                    + "' (supported: the tanh GELU: gelu_new, gelu_pytorch_tanh, gelu_fast)");
        }
        if (!json.booleanOr("scale_attn_weights", true)) {
            throw json.error("scale_attn_weights", "unscaled attention is not supported");
        }
        if (json.booleanOr("scale_attn_by_inverse_layer_idx", false)) {
            throw json.error("scale_attn_by_inverse_layer_idx", "attention scaled by layer is not supported");
        }
        if (json.booleanOr("add_cross_attention", false)) {
            throw json.error("add_cross_attention", "cross-attention is not supported");
        }
        int seqLen = contextLimit > 0 ? Math.min(positions, contextLimit) : positions;
        return new Gpt2Config(dim, json.positiveIntOr("n_inner", 4 * dim), json.positiveInt("n_layer"), nHeads,
                json.positiveInt("vocab_size"), seqLen, json.positiveFloatOr("layer_norm_epsilon", 1e-5f));
    }

    /** Finds, checks and converts every tensor the config needs. */
    private static final class Resolver {
        private final SafetensorsShards weights;
        private final Arena arena;
        private final Gpt2Config c;
        private final String prefix;
        private final Map<String, TensorData> out = new LinkedHashMap<>();

        Resolver(SafetensorsShards weights, Arena arena, Gpt2Config c) {
            this.weights = weights;
            this.arena = arena;
            this.c = c;
            // GPT2LMHeadModel saves "transformer.h.0..."; OpenAI's converted checkpoints have no prefix
            this.prefix = weights.contains("transformer.wte.weight") ? "transformer." : "";
        }

        Map<String, TensorData> resolve(int positions, boolean tied) throws ModelFormatException {
            int d = c.dim();
            int hidden = c.hiddenDim();
            view("token_embd.weight", prefix + "wte.weight", c.vocabSize(), d);
            TensorData wpe = checked(prefix + "wpe.weight", positions, d);
            // a context shorter than n_positions reads only its rows of the position embedding
            out.put("position_embd.weight", new TensorData("position_embd.weight", wpe.dtype(), Shape.of(c.seqLen(), d),
                    wpe.data().asSlice(0, (long) c.seqLen() * d * wpe.dtype().byteSize())));
            for (int l = 0; l < c.nLayers(); l++) {
                String h = prefix + "h." + l + ".";
                String blk = "blk." + l + ".";
                view(blk + "attn_norm.weight", h + "ln_1.weight", d);
                view(blk + "attn_norm.bias", h + "ln_1.bias", d);
                TensorData cAttn = checked(h + "attn.c_attn.weight", d, 3 * d);
                TensorData cAttnBias = checked(h + "attn.c_attn.bias", 3 * d);
                String[] parts = {"attn_q", "attn_k", "attn_v"};
                for (int p = 0; p < 3; p++) {
                    transposeColumns(blk + parts[p] + ".weight", cAttn, p * d, d);
                    long bytes = (long) d * cAttnBias.dtype().byteSize();
                    out.put(blk + parts[p] + ".bias", new TensorData(blk + parts[p] + ".bias", cAttnBias.dtype(),
                            Shape.of(d), cAttnBias.data().asSlice(p * bytes, bytes)));
                }
                transposeColumns(blk + "attn_output.weight", checked(h + "attn.c_proj.weight", d, d), 0, d);
                view(blk + "attn_output.bias", h + "attn.c_proj.bias", d);
                view(blk + "ffn_norm.weight", h + "ln_2.weight", d);
                view(blk + "ffn_norm.bias", h + "ln_2.bias", d);
                transposeColumns(blk + "ffn_up.weight", checked(h + "mlp.c_fc.weight", d, hidden), 0, hidden);
                view(blk + "ffn_up.bias", h + "mlp.c_fc.bias", hidden);
                transposeColumns(blk + "ffn_down.weight", checked(h + "mlp.c_proj.weight", hidden, d), 0, d);
                view(blk + "ffn_down.bias", h + "mlp.c_proj.bias", d);
            }
            view("output_norm.weight", prefix + "ln_f.weight", d);
            view("output_norm.bias", prefix + "ln_f.bias", d);
            if (!tied) {
                view("output.weight", "lm_head.weight", c.vocabSize(), d);
            }
            return out;
        }

        /** {@return tensor {@code hfName} of the file, after checking its shape} */
        private TensorData checked(String hfName, int... shape) throws ModelFormatException {
            TensorData data = weights.tensor(hfName);
            Shape expected = Shape.of(shape);
            if (!data.shape().equals(expected)) {
                throw new ModelFormatException(weights.source(), -1, hfName, "shape " + data.shape()
                        + " does not match the config's " + expected
                        + (shape.length == 2 && !hfName.endsWith("wte.weight") && !hfName.endsWith("wpe.weight")
                                && !hfName.equals("lm_head.weight") ? " (Conv1D: [in_features, out_features])" : ""));
            }
            return data;
        }

        /** Adds {@code hfName} unchanged, as a view of the file. */
        private void view(String name, String hfName, int... shape) throws ModelFormatException {
            TensorData data = checked(hfName, shape);
            out.put(name, new TensorData(name, data.dtype(), data.shape(), data.data()));
        }

        /**
         * Adds the transpose of columns {@code [from, from + count)} of the Conv1D weight {@code src}
         * ({@code [in, out]}): {@code dst[j][i] = src[i][from + j]}, a {@code [count, in]} copy.
         */
        private void transposeColumns(String name, TensorData src, int from, int count) {
            int rows = src.shape().dim(0);      // in_features
            int cols = src.shape().dim(1);      // out_features
            int size = src.dtype().byteSize();
            MemorySegment dst = arena.allocate((long) count * rows * size, 64);
            MemorySegment s = src.data();
            // tiles keep both the rows read and the rows written in cache
            int tile = 64;
            for (int i0 = 0; i0 < rows; i0 += tile) {
                for (int j0 = 0; j0 < count; j0 += tile) {
                    int iEnd = Math.min(rows, i0 + tile);
                    int jEnd = Math.min(count, j0 + tile);
                    for (int i = i0; i < iEnd; i++) {
                        long srcRow = (long) i * cols + from;
                        for (int j = j0; j < jEnd; j++) {
                            copyElement(s, srcRow + j, dst, (long) j * rows + i, size);
                        }
                    }
                }
            }
            out.put(name, new TensorData(name, src.dtype(), Shape.of(count, rows), dst));
        }

        /** Copies element {@code from} of {@code src} to element {@code to} of {@code dst}, bits unchanged. */
        private static void copyElement(MemorySegment src, long from, MemorySegment dst, long to, int size) {
            if (size == 4) {
                dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, to,
                        src.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, from));
            } else if (size == 2) {
                dst.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, to,
                        src.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, from));
            } else {
                throw new IllegalStateException("no transpose for " + size + "-byte elements");
            }
        }
    }

    @Override
    public String source() {
        return weights.source();
    }

    @Override
    public Gpt2Config config() {
        return config;
    }

    @Override
    public TensorData tensor(String name) throws ModelFormatException {
        TensorData data = tensors.get(name);
        if (data == null) {
            throw new ModelFormatException(weights.source(), -1, name, "no such tensor for this config");
        }
        return data;
    }

    @Override
    public boolean sharedClassifier() {
        return sharedClassifier;
    }

    @Override
    public void close() {
        transposed.close();
        weights.close();
    }
}
