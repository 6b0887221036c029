package dev.forwardpass.models.gpt2;

import static dev.forwardpass.models.decoder.GgufPart.ggufPart;
import static dev.forwardpass.models.decoder.HuggingFaceName.hf;
import static dev.forwardpass.models.decoder.HuggingFaceName.hfConv1d;
import static dev.forwardpass.models.decoder.HuggingFaceName.hfUnprefixed;
import static dev.forwardpass.models.decoder.TensorTable.required;

import dev.forwardpass.api.Shape;
import dev.forwardpass.models.decoder.TensorSpec;
import dev.forwardpass.models.decoder.TensorTable;

/**
 * GPT-2's tensors, in one table: GGUF's name, the shape from the config ({@code [out, in]} for a linear weight),
 * whether a model has it, and where Hugging Face keeps it (after {@code transformer.} and, in a block,
 * {@code h.N.}). OpenAI's checkpoints use a {@code Conv1D} module for every linear layer of a block, so Hugging Face
 * stores those weights transposed, {@code [in, out]}, and the attention's query, key and value fused in one
 * {@code c_attn} of three times the width: the reader transposes and splits them as the last column says. llama.cpp's
 * GGUF files fuse them too, untransposed, as {@code attn_qkv}.
 */
public final class Gpt2Tensors {
    private Gpt2Tensors() {}

    private static final TensorTable.Builder<Gpt2Config> T = TensorTable.builder("transformer.", "h.");

    // each row: GGUF name (and the GGUF tensor that fuses it), shape from the config ([out, in] for a linear weight),
    // presence, Hugging Face name
    /** (vocabSize, dim) HF wte. */
    public static final TensorSpec<Gpt2Config> TOKEN_EMBEDDING =
        T.global("token_embd.weight", c -> Shape.of(c.vocabSize(), c.dim()), required(), hf("wte.weight"));
    /** (nPositions, dim) HF wpe, one learned row per position. */
    public static final TensorSpec<Gpt2Config> POSITION_EMBEDDING =
        T.global("position_embd.weight", c -> Shape.of(c.nPositions(), c.dim()), required(), hf("wpe.weight"));
    /** (dim,) LayerNorm weight before attention; HF ln_1. */
    public static final TensorSpec<Gpt2Config> ATTN_NORM =
        T.layer("attn_norm.weight", c -> Shape.of(c.dim()), required(), hf("ln_1.weight"));
    /** (dim,) its bias. */
    public static final TensorSpec<Gpt2Config> ATTN_NORM_BIAS =
        T.layer("attn_norm.bias", c -> Shape.of(c.dim()), required(), hf("ln_1.bias"));
    /** (dim, dim) query projection: the first third of c_attn. */
    public static final TensorSpec<Gpt2Config> WQ =
        T.layer("attn_q.weight", ggufPart("attn_qkv.weight", 0, 3), c -> Shape.of(c.dim(), c.dim()), required(),
                hfConv1d("attn.c_attn.weight", 0, 3));
    /** (dim,) query bias. */
    public static final TensorSpec<Gpt2Config> BQ =
        T.layer("attn_q.bias", ggufPart("attn_qkv.bias", 0, 3), c -> Shape.of(c.dim()), required(),
                hf("attn.c_attn.bias", 0, 3));
    /** (dim, dim) key projection: the second third of c_attn. */
    public static final TensorSpec<Gpt2Config> WK =
        T.layer("attn_k.weight", ggufPart("attn_qkv.weight", 1, 3), c -> Shape.of(c.dim(), c.dim()), required(),
                hfConv1d("attn.c_attn.weight", 1, 3));
    /** (dim,) key bias. */
    public static final TensorSpec<Gpt2Config> BK =
        T.layer("attn_k.bias", ggufPart("attn_qkv.bias", 1, 3), c -> Shape.of(c.dim()), required(),
                hf("attn.c_attn.bias", 1, 3));
    /** (dim, dim) value projection: the last third of c_attn. */
    public static final TensorSpec<Gpt2Config> WV =
        T.layer("attn_v.weight", ggufPart("attn_qkv.weight", 2, 3), c -> Shape.of(c.dim(), c.dim()), required(),
                hfConv1d("attn.c_attn.weight", 2, 3));
    /** (dim,) value bias. */
    public static final TensorSpec<Gpt2Config> BV =
        T.layer("attn_v.bias", ggufPart("attn_qkv.bias", 2, 3), c -> Shape.of(c.dim()), required(),
                hf("attn.c_attn.bias", 2, 3));
    /** (dim, dim) attention output projection; HF attn.c_proj. */
    public static final TensorSpec<Gpt2Config> WO =
        T.layer("attn_output.weight", c -> Shape.of(c.dim(), c.dim()), required(), hfConv1d("attn.c_proj.weight"));
    /** (dim,) its bias. */
    public static final TensorSpec<Gpt2Config> BO =
        T.layer("attn_output.bias", c -> Shape.of(c.dim()), required(), hf("attn.c_proj.bias"));
    /** (dim,) LayerNorm weight before the feed-forward; HF ln_2. */
    public static final TensorSpec<Gpt2Config> FFN_NORM =
        T.layer("ffn_norm.weight", c -> Shape.of(c.dim()), required(), hf("ln_2.weight"));
    /** (dim,) its bias. */
    public static final TensorSpec<Gpt2Config> FFN_NORM_BIAS =
        T.layer("ffn_norm.bias", c -> Shape.of(c.dim()), required(), hf("ln_2.bias"));
    /** (hiddenDim, dim) feed-forward expansion; HF mlp.c_fc. */
    public static final TensorSpec<Gpt2Config> W_UP =
        T.layer("ffn_up.weight", c -> Shape.of(c.hiddenDim(), c.dim()), required(), hfConv1d("mlp.c_fc.weight"));
    /** (hiddenDim,) its bias. */
    public static final TensorSpec<Gpt2Config> B_UP =
        T.layer("ffn_up.bias", c -> Shape.of(c.hiddenDim()), required(), hf("mlp.c_fc.bias"));
    /** (dim, hiddenDim) feed-forward projection back; HF mlp.c_proj. */
    public static final TensorSpec<Gpt2Config> W_DOWN =
        T.layer("ffn_down.weight", c -> Shape.of(c.dim(), c.hiddenDim()), required(), hfConv1d("mlp.c_proj.weight"));
    /** (dim,) its bias. */
    public static final TensorSpec<Gpt2Config> B_DOWN =
        T.layer("ffn_down.bias", c -> Shape.of(c.dim()), required(), hf("mlp.c_proj.bias"));
    /** (dim,) LayerNorm weight before the classifier; HF ln_f. */
    public static final TensorSpec<Gpt2Config> FINAL_NORM =
        T.global("output_norm.weight", c -> Shape.of(c.dim()), required(), hf("ln_f.weight"));
    /** (dim,) its bias. */
    public static final TensorSpec<Gpt2Config> FINAL_NORM_BIAS =
        T.global("output_norm.bias", c -> Shape.of(c.dim()), required(), hf("ln_f.bias"));
    /** (vocabSize, dim); the token embedding when the checkpoint ties them (GPT-2 does); an nn.Linear in HF. */
    public static final TensorSpec<Gpt2Config> CLASSIFIER =
        T.tied("output.weight", c -> Shape.of(c.vocabSize(), c.dim()), TOKEN_EMBEDDING, hfUnprefixed("lm_head.weight"));

    /** The table, in the order above. */
    public static final TensorTable<Gpt2Config> TABLE = T.build();
}
