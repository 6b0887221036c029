package dev.forwardpass.models.llama;

import static dev.forwardpass.models.decoder.HuggingFaceName.hf;
import static dev.forwardpass.models.decoder.HuggingFaceName.hfUnprefixed;
import static dev.forwardpass.models.decoder.TensorTable.required;
import static dev.forwardpass.models.decoder.TensorTable.when;

import dev.forwardpass.api.Shape;
import dev.forwardpass.models.decoder.TensorSpec;
import dev.forwardpass.models.decoder.TensorTable;

/**
 * The Llama family's tensors, in one table: GGUF's name, the shape from the config ({@code [out, in]} for a linear
 * weight), whether a model has it, and where Hugging Face keeps it (after {@code model.} and, in a block,
 * {@code layers.N.}). Every reader, writer, initialiser and the forward pass use these rows; adding a tensor is one row
 * here and the line of {@link Llama#forward} that uses it.
 *
 * <p>Hugging Face's q_proj and k_proj rows are permuted for {@code rotate_half} by its converter: they are read as
 * they are and rotated with {@link dev.forwardpass.api.RopeLayout#HALF_SPLIT} (the config says which layout).
 */
public final class LlamaTensors {
    private LlamaTensors() {}

    private static final TensorTable.Builder<LlamaConfig> T = TensorTable.builder("model.", "layers.");

    // each row: GGUF name, shape from the config ([out, in] for a linear weight), presence, Hugging Face name
    /** (vocabSize, dim); llama2.c token_embedding_table. */
    public static final TensorSpec<LlamaConfig> TOKEN_EMBEDDING =
        T.global("token_embd.weight", c -> Shape.of(c.vocabSize(), c.dim()), required(), hf("embed_tokens.weight"));
    /** (dim,) RMSNorm weight before attention; llama2.c rms_att_weight. */
    public static final TensorSpec<LlamaConfig> ATTN_NORM =
        T.layer("attn_norm.weight", c -> Shape.of(c.dim()), required(), hf("input_layernorm.weight"));
    /** (qDim, dim) query projection. */
    public static final TensorSpec<LlamaConfig> WQ =
        T.layer("attn_q.weight", c -> Shape.of(c.qDim(), c.dim()), required(), hf("self_attn.q_proj.weight"));
    /** (kvDim, dim) key projection. */
    public static final TensorSpec<LlamaConfig> WK =
        T.layer("attn_k.weight", c -> Shape.of(c.kvDim(), c.dim()), required(), hf("self_attn.k_proj.weight"));
    /** (kvDim, dim) value projection. */
    public static final TensorSpec<LlamaConfig> WV =
        T.layer("attn_v.weight", c -> Shape.of(c.kvDim(), c.dim()), required(), hf("self_attn.v_proj.weight"));
    /** (qDim,) query bias (Qwen2). */
    public static final TensorSpec<LlamaConfig> BQ =
        T.layer("attn_q.bias", c -> Shape.of(c.qDim()), when(LlamaConfig::qkvBias), hf("self_attn.q_proj.bias"));
    /** (kvDim,) key bias (Qwen2). */
    public static final TensorSpec<LlamaConfig> BK =
        T.layer("attn_k.bias", c -> Shape.of(c.kvDim()), when(LlamaConfig::qkvBias), hf("self_attn.k_proj.bias"));
    /** (kvDim,) value bias (Qwen2). */
    public static final TensorSpec<LlamaConfig> BV =
        T.layer("attn_v.bias", c -> Shape.of(c.kvDim()), when(LlamaConfig::qkvBias), hf("self_attn.v_proj.bias"));
    /** (dim, qDim) attention output projection. */
    public static final TensorSpec<LlamaConfig> WO =
        T.layer("attn_output.weight", c -> Shape.of(c.dim(), c.qDim()), required(), hf("self_attn.o_proj.weight"));
    /** (dim,) RMSNorm weight before the feed-forward; llama2.c rms_ffn_weight. */
    public static final TensorSpec<LlamaConfig> FFN_NORM =
        T.layer("ffn_norm.weight", c -> Shape.of(c.dim()), required(), hf("post_attention_layernorm.weight"));
    /** (hiddenDim, dim) llama2.c w1. */
    public static final TensorSpec<LlamaConfig> W_GATE =
        T.layer("ffn_gate.weight", c -> Shape.of(c.hiddenDim(), c.dim()), required(), hf("mlp.gate_proj.weight"));
    /** (hiddenDim, dim) llama2.c w3. */
    public static final TensorSpec<LlamaConfig> W_UP =
        T.layer("ffn_up.weight", c -> Shape.of(c.hiddenDim(), c.dim()), required(), hf("mlp.up_proj.weight"));
    /** (dim, hiddenDim) llama2.c w2. */
    public static final TensorSpec<LlamaConfig> W_DOWN =
        T.layer("ffn_down.weight", c -> Shape.of(c.dim(), c.hiddenDim()), required(), hf("mlp.down_proj.weight"));
    /** (dim,) RMSNorm weight before the classifier; llama2.c rms_final_weight. */
    public static final TensorSpec<LlamaConfig> FINAL_NORM =
        T.global("output_norm.weight", c -> Shape.of(c.dim()), required(), hf("norm.weight"));
    /** (vocabSize, dim); llama2.c wcls; the token embedding when the checkpoint ties them. */
    public static final TensorSpec<LlamaConfig> CLASSIFIER =
        T.tied("output.weight", c -> Shape.of(c.vocabSize(), c.dim()), TOKEN_EMBEDDING, hfUnprefixed("lm_head.weight"));

    /** The table, in the order above. */
    public static final TensorTable<LlamaConfig> TABLE = T.build();
}
