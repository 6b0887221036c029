package dev.forwardpass.backend.djl;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Rope;

/**
 * Straight-loop versions of the ops, llama2.c style with double accumulators, for this module's own tests (the
 * conformance suite compares against the {@code scalar} backend as well). Row-wise ops take {@code rows} rows of
 * {@code n}.
 */
final class Reference {
    private Reference() {}

    /** out (rows, d) = x (rows, n) · wᵀ (w: d, n) + bias (d) */
    static float[] matmul(float[] w, float[] x, float[] bias, int rows, int d, int n) {
        float[] out = new float[rows * d];
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < d; i++) {
                double sum = bias == null ? 0 : bias[i];
                for (int j = 0; j < n; j++) {
                    sum += (double) w[i * n + j] * x[b * n + j];
                }
                out[b * d + i] = (float) sum;
            }
        }
        return out;
    }

    static float[] rmsNorm(float[] x, float[] weight, float eps, int rows, int n) {
        float[] out = new float[x.length];
        for (int b = 0; b < rows; b++) {
            double ss = 0;
            for (int j = 0; j < n; j++) {
                ss += (double) x[b * n + j] * x[b * n + j];
            }
            double scale = 1 / Math.sqrt(ss / n + eps);
            for (int j = 0; j < n; j++) {
                out[b * n + j] = (float) (weight[j] * (scale * x[b * n + j]));
            }
        }
        return out;
    }

    static float[] layerNorm(float[] x, float[] weight, float[] bias, float eps, int rows, int n) {
        float[] out = new float[x.length];
        for (int b = 0; b < rows; b++) {
            double mean = 0;
            for (int j = 0; j < n; j++) {
                mean += x[b * n + j];
            }
            mean /= n;
            double var = 0;
            for (int j = 0; j < n; j++) {
                double c = x[b * n + j] - mean;
                var += c * c;
            }
            var /= n;
            double scale = 1 / Math.sqrt(var + eps);
            for (int j = 0; j < n; j++) {
                out[b * n + j] = (float) ((x[b * n + j] - mean) * scale * weight[j] + bias[j]);
            }
        }
        return out;
    }


    static float[] rope(float[] x, int pos, Rope rope, int rows, int dim) {
        float[] out = x.clone();
        int headSize = rope.headSize();
        for (int b = 0; b < rows; b++) {
            for (int h = 0; h < dim / headSize; h++) {
                int base = b * dim + h * headSize;
                for (int i = 0; i < headSize / 2; i++) {
                    float angle = (pos + b) * rope.inverseFrequency(i);
                    double c = Math.cos(angle);
                    double s = Math.sin(angle);
                    double v0 = x[base + rope.firstOffset(i)];
                    double v1 = x[base + rope.partnerOffset(i)];
                    out[base + rope.firstOffset(i)] = (float) (v0 * c - v1 * s);
                    out[base + rope.partnerOffset(i)] = (float) (v0 * s + v1 * c);
                }
            }
        }
        return out;
    }

    /** keys, values: (seqLen, kvDim), rows 0..pos+rows-1 used; q: (rows, queryDim) */
    static float[] attention(float[] q, float[] keys, float[] values, int pos, int rows, AttentionShape heads) {
        int hs = heads.headSize();
        int qd = heads.queryDim();
        int kvd = heads.kvDim();
        float[] out = new float[rows * qd];
        for (int b = 0; b < rows; b++) {
            int p = pos + b;
            for (int h = 0; h < heads.nHeads(); h++) {
                int kvh = h / heads.kvMul();
                double[] att = new double[p + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t <= p; t++) {
                    double score = 0;
                    for (int i = 0; i < hs; i++) {
                        score += (double) q[b * qd + h * hs + i] * keys[t * kvd + kvh * hs + i];
                    }
                    att[t] = score / Math.sqrt(hs);
                    max = Math.max(max, att[t]);
                }
                double sum = 0;
                for (int t = 0; t <= p; t++) {
                    att[t] = Math.exp(att[t] - max);
                    sum += att[t];
                }
                for (int i = 0; i < hs; i++) {
                    double acc = 0;
                    for (int t = 0; t <= p; t++) {
                        acc += att[t] / sum * values[t * kvd + kvh * hs + i];
                    }
                    out[b * qd + h * hs + i] = (float) acc;
                }
            }
        }
        return out;
    }

    static float silu(float x) {
        return (float) (x / (1 + Math.exp(-x)));
    }

    static float gelu(float x) {
        return (float) (0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))));
    }
}
