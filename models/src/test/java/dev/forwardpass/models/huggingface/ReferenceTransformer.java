package dev.forwardpass.models.huggingface;

import java.util.ArrayList;
import java.util.List;

/**
 * An independent scalar forward pass over a {@link TinyCheckpoints.TinyModel}, written from Hugging Face's modeling
 * code's semantics in plain double loops: it reads the tensors in the file's own layout (GPT-2's Conv1D
 * {@code x @ W} with W {@code [in, out]} and the fused c_attn; Llama's {@code W x} and {@code rotate_half}), and
 * runs the whole prefix for every position. It shares no code with the model classes.
 */
final class ReferenceTransformer {
    private ReferenceTransformer() {}

    /** {@return the logits after each token of {@code tokens}} */
    static double[][] logits(TinyCheckpoints.TinyModel m, int[] tokens) {
        return m.variant().isGpt2() ? gpt2(m, tokens) : llama(m, tokens);
    }

    // ------------------------------------------------------------------------------------------------------------
    // GPT-2: x = wte[t] + wpe[p]; x += attn(ln_1(x)); x += mlp(ln_2(x)); logits = wte · ln_f(x)

    static double[][] gpt2(TinyCheckpoints.TinyModel m, int[] tokens) {
        String p = m.tensors().containsKey("transformer.wte.weight") ? "transformer." : "";
        int d = m.i("n_embd");
        int nHeads = m.i("n_head");
        int hs = d / nHeads;
        int hidden = m.config().get("n_inner") == null ? 4 * d : m.i("n_inner");
        double eps = m.d("layer_norm_epsilon");
        int layers = m.i("n_layer");
        int vocab = m.vocabSize();
        List<List<double[]>> keys = new ArrayList<>();
        List<List<double[]>> values = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            keys.add(new ArrayList<>());
            values.add(new ArrayList<>());
        }
        double[][] out = new double[tokens.length][];
        for (int pos = 0; pos < tokens.length; pos++) {
            double[] x = new double[d];
            for (int i = 0; i < d; i++) {
                x[i] = m.t(p + "wte.weight")[tokens[pos] * d + i] + m.t(p + "wpe.weight")[pos * d + i];
            }
            for (int l = 0; l < layers; l++) {
                String h = p + "h." + l + ".";
                double[] a = layerNorm(x, m.t(h + "ln_1.weight"), m.t(h + "ln_1.bias"), eps);
                double[] qkv = conv1d(a, m.t(h + "attn.c_attn.weight"), m.t(h + "attn.c_attn.bias"), d, 3 * d);
                double[] q = slice(qkv, 0, d);
                keys.get(l).add(slice(qkv, d, d));
                values.get(l).add(slice(qkv, 2 * d, d));
                double[] attn = attention(q, keys.get(l), values.get(l), nHeads, nHeads, hs);
                add(x, conv1d(attn, m.t(h + "attn.c_proj.weight"), m.t(h + "attn.c_proj.bias"), d, d));
                double[] b = layerNorm(x, m.t(h + "ln_2.weight"), m.t(h + "ln_2.bias"), eps);
                double[] f = conv1d(b, m.t(h + "mlp.c_fc.weight"), m.t(h + "mlp.c_fc.bias"), d, hidden);
                for (int i = 0; i < hidden; i++) {
                    f[i] = geluNew(f[i]);
                }
                add(x, conv1d(f, m.t(h + "mlp.c_proj.weight"), m.t(h + "mlp.c_proj.bias"), hidden, d));
            }
            double[] y = layerNorm(x, m.t(p + "ln_f.weight"), m.t(p + "ln_f.bias"), eps);
            float[] head = m.tensors().containsKey("lm_head.weight") ? m.t("lm_head.weight") : m.t(p + "wte.weight");
            out[pos] = linear(y, head, null, vocab, d);
        }
        return out;
    }

    /** Conv1D: {@code x (in) @ w (in, out) + bias (out)}. */
    static double[] conv1d(double[] x, float[] w, float[] bias, int in, int outFeatures) {
        double[] y = new double[outFeatures];
        for (int o = 0; o < outFeatures; o++) {
            double sum = bias[o];
            for (int i = 0; i < in; i++) {
                sum += x[i] * w[i * outFeatures + o];
            }
            y[o] = sum;
        }
        return y;
    }

    static double[] layerNorm(double[] x, float[] w, float[] b, double eps) {
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= x.length;
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= x.length;
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (x[i] - mean) / Math.sqrt(var + eps) * w[i] + b[i];
        }
        return y;
    }

    /** transformers' NewGELUActivation. */
    static double geluNew(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Llama family: x = embed[t]; x += o(attn(rope(q), rope(k), v)) of rmsnorm(x); x += down(silu(gate) * up)

    static double[][] llama(TinyCheckpoints.TinyModel m, int[] tokens) {
        int d = m.i("hidden_size");
        int nHeads = m.i("num_attention_heads");
        int nKv = m.i("num_key_value_heads");
        int hs = m.config().containsKey("head_dim") ? m.i("head_dim") : d / nHeads;
        int hidden = m.i("intermediate_size");
        int layers = m.i("num_hidden_layers");
        int vocab = m.vocabSize();
        double eps = m.d("rms_norm_eps");
        double[] invFreq = inverseFrequencies(m, hs);
        boolean bias = m.tensors().containsKey("model.layers.0.self_attn.q_proj.bias");
        List<List<double[]>> keys = new ArrayList<>();
        List<List<double[]>> values = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            keys.add(new ArrayList<>());
            values.add(new ArrayList<>());
        }
        double[][] out = new double[tokens.length][];
        for (int pos = 0; pos < tokens.length; pos++) {
            double[] x = new double[d];
            for (int i = 0; i < d; i++) {
                x[i] = m.t("model.embed_tokens.weight")[tokens[pos] * d + i];
            }
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".";
                double[] a = rmsNorm(x, m.t(p + "input_layernorm.weight"), eps);
                double[] q = linear(a, m.t(p + "self_attn.q_proj.weight"), bias ? m.t(p + "self_attn.q_proj.bias") : null,
                        nHeads * hs, d);
                double[] k = linear(a, m.t(p + "self_attn.k_proj.weight"), bias ? m.t(p + "self_attn.k_proj.bias") : null,
                        nKv * hs, d);
                double[] v = linear(a, m.t(p + "self_attn.v_proj.weight"), bias ? m.t(p + "self_attn.v_proj.bias") : null,
                        nKv * hs, d);
                rotateHalf(q, nHeads, hs, pos, invFreq);
                rotateHalf(k, nKv, hs, pos, invFreq);
                keys.get(l).add(k);
                values.get(l).add(v);
                double[] attn = attention(q, keys.get(l), values.get(l), nHeads, nKv, hs);
                add(x, linear(attn, m.t(p + "self_attn.o_proj.weight"), null, d, nHeads * hs));
                double[] b = rmsNorm(x, m.t(p + "post_attention_layernorm.weight"), eps);
                double[] gate = linear(b, m.t(p + "mlp.gate_proj.weight"), null, hidden, d);
                double[] up = linear(b, m.t(p + "mlp.up_proj.weight"), null, hidden, d);
                for (int i = 0; i < hidden; i++) {
                    gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                }
                add(x, linear(gate, m.t(p + "mlp.down_proj.weight"), null, d, hidden));
            }
            double[] y = rmsNorm(x, m.t("model.norm.weight"), eps);
            float[] head = m.tensors().containsKey("lm_head.weight") ? m.t("lm_head.weight")
                    : m.t("model.embed_tokens.weight");
            out[pos] = linear(y, head, null, vocab, d);
        }
        return out;
    }

    /**
     * transformers' default rope frequencies {@code 1 / theta^(2i / hs)}, rescaled by Llama 3's rule when the config
     * has {@code rope_scaling}: kept below wavelength {@code original / high}, divided by {@code factor} above
     * {@code original / low}, interpolated in between.
     */
    @SuppressWarnings("unchecked")
    static double[] inverseFrequencies(TinyCheckpoints.TinyModel m, int hs) {
        double theta = m.d("rope_theta");
        double[] inv = new double[hs / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1 / Math.pow(theta, 2.0 * i / hs);
        }
        var scaling = (java.util.Map<String, Object>) m.config().get("rope_scaling");
        if (scaling != null) {
            double factor = ((Number) scaling.get("factor")).doubleValue();
            double low = ((Number) scaling.get("low_freq_factor")).doubleValue();
            double high = ((Number) scaling.get("high_freq_factor")).doubleValue();
            double original = ((Number) scaling.get("original_max_position_embeddings")).doubleValue();
            for (int i = 0; i < inv.length; i++) {
                double wavelength = 2 * Math.PI / inv[i];
                if (wavelength > original / low) {
                    inv[i] = inv[i] / factor;
                } else if (wavelength >= original / high) {
                    double smooth = (original / wavelength - low) / (high - low);
                    inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
                }
            }
        }
        return inv;
    }

    /** {@code q * cos + rotate_half(q) * sin} per head: element i pairs with i + hs/2. */
    static void rotateHalf(double[] x, int heads, int hs, int pos, double[] invFreq) {
        int half = hs / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                double angle = pos * invFreq[i];
                double a = x[h * hs + i];
                double b = x[h * hs + i + half];
                x[h * hs + i] = a * Math.cos(angle) - b * Math.sin(angle);
                x[h * hs + i + half] = b * Math.cos(angle) + a * Math.sin(angle);
            }
        }
    }

    static double[] rmsNorm(double[] x, float[] w, double eps) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double scale = 1 / Math.sqrt(ss / x.length + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * scale * w[i];
        }
        return y;
    }

    // ------------------------------------------------------------------------------------------------------------
    // shared

    /** {@code w (out, in) · x (in) + bias (out)}. */
    static double[] linear(double[] x, float[] w, float[] bias, int outFeatures, int in) {
        double[] y = new double[outFeatures];
        for (int o = 0; o < outFeatures; o++) {
            double sum = bias == null ? 0 : bias[o];
            for (int i = 0; i < in; i++) {
                sum += w[o * in + i] * x[i];
            }
            y[o] = sum;
        }
        return y;
    }

    /** Causal attention of one query over every cached position, with grouped key/value heads. */
    static double[] attention(double[] q, List<double[]> keys, List<double[]> values, int nHeads, int nKv, int hs) {
        double[] out = new double[nHeads * hs];
        int group = nHeads / nKv;
        for (int h = 0; h < nHeads; h++) {
            int kvh = h / group;
            double[] scores = new double[keys.size()];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < keys.size(); t++) {
                double s = 0;
                for (int i = 0; i < hs; i++) {
                    s += q[h * hs + i] * keys.get(t)[kvh * hs + i];
                }
                scores[t] = s / Math.sqrt(hs);
                max = Math.max(max, scores[t]);
            }
            double sum = 0;
            for (int t = 0; t < scores.length; t++) {
                scores[t] = Math.exp(scores[t] - max);
                sum += scores[t];
            }
            for (int t = 0; t < scores.length; t++) {
                for (int i = 0; i < hs; i++) {
                    out[h * hs + i] += scores[t] / sum * values.get(t)[kvh * hs + i];
                }
            }
        }
        return out;
    }

    static double[] slice(double[] x, int from, int length) {
        double[] y = new double[length];
        System.arraycopy(x, from, y, 0, length);
        return y;
    }

    static void add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }
}
