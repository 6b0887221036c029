package dev.forwardpass.backend.java.kernels;

import static dev.forwardpass.backend.java.kernels.Elements.getFloat;
import static dev.forwardpass.backend.java.kernels.Elements.setFloat;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.quant.Dequantizer;
import java.lang.foreign.MemorySegment;

/**
 * Every op as a plain loop, written to be obviously correct rather than fast: the living definition of the ops and
 * the oracle the other kernels and backends are tested against (backend {@code "scalar"}).
 *
 * <p>Sums are accumulated in {@code double} so that the oracle is more exact than the kernels it judges; a product of
 * two floats is exact in double. The exception is {@link #rope}, which follows llama2.c's float arithmetic to the
 * letter, because that rounding is part of the contract of {@link Rope}.
 *
 * <p>Segments are F32 unless a {@link DType} argument says otherwise; weights of every dtype are read a row at a time
 * by {@link Dequantizer}, the definition of each type. Shapes are in the comment of each method, with
 * {@code B} the number of rows (1 for a vector).
 */
public final class ScalarKernels {
    private ScalarKernels() {}

    /**
     * Gathers one row of the table per token.
     *
     * @param out (B, dim) row b receives table[tokens[b], :]
     * @param table (vocab, dim) in {@code tableType}
     * @param tokens (B,)
     */
    public static void embedding(MemorySegment out, MemorySegment table, DType tableType, int[] tokens, int dim) {
        float[] row = new float[dim];
        for (int b = 0; b < tokens.length; b++) {
            Dequantizer.dequantize(tableType, table, tableType.byteSize((long) tokens[b] * dim), row, 0, dim);
            MemorySegment.copy(row, 0, out, Elements.F32, (long) b * dim * Float.BYTES, dim);
        }
    }

    /**
     * Linear layer: W (d,n) @ x (n,) + bias (d,) -> out (d,), for each of the B rows of x.
     *
     * @param out (B, d)
     * @param w (d, n) in {@code wType}
     * @param x (B, n)
     * @param bias (d,), or null for none
     */
    public static void matmul(MemorySegment out, MemorySegment w, DType wType, MemorySegment x, MemorySegment bias,
                              int batch, int n, int d) {
        float[] row = new float[n];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < d; i++) {
                Dequantizer.dequantize(wType, w, wType.byteSize((long) i * n), row, 0, n);
                double val = 0;
                for (int j = 0; j < n; j++) {
                    val += (double) row[j] * getFloat(x, (long) b * n + j);
                }
                if (bias != null) {
                    val += getFloat(bias, i);
                }
                setFloat(out, (long) b * d + i, (float) val);
            }
        }
    }

    /**
     * RMSNorm of each row, as llama2.c: out = weight * x / sqrt(mean(x²) + eps).
     *
     * @param out (B, n), may be x
     * @param x (B, n)
     * @param weight (n,)
     */
    public static void rmsNorm(MemorySegment out, MemorySegment x, MemorySegment weight, int rows, int n, float eps) {
        for (int b = 0; b < rows; b++) {
            long row = (long) b * n;
            // calculate sum of squares
            double ss = 0;
            for (int j = 0; j < n; j++) {
                double v = getFloat(x, row + j);
                ss += v * v;
            }
            double scale = 1.0 / Math.sqrt(ss / n + eps);
            // normalize and scale
            for (int j = 0; j < n; j++) {
                setFloat(out, row + j, (float) (getFloat(weight, j) * (scale * getFloat(x, row + j))));
            }
        }
    }

    /**
     * LayerNorm of each row: out = (x - mean) / sqrt(var + eps) * weight + bias, with the biased variance (divided by
     * n), as PyTorch's {@code layer_norm}.
     *
     * @param out (B, n), may be x
     * @param x (B, n)
     * @param weight (n,)
     * @param bias (n,)
     */
    public static void layerNorm(MemorySegment out, MemorySegment x, MemorySegment weight, MemorySegment bias,
                                 int rows, int n, float eps) {
        for (int b = 0; b < rows; b++) {
            long row = (long) b * n;
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += getFloat(x, row + j);
            }
            double mean = sum / n;
            // the variance is taken around the mean in a second pass: no cancellation, unlike E[x²] - mean²
            double squares = 0;
            for (int j = 0; j < n; j++) {
                double centred = getFloat(x, row + j) - mean;
                squares += centred * centred;
            }
            double rstd = 1.0 / Math.sqrt(squares / n + eps);
            for (int j = 0; j < n; j++) {
                double normalized = (getFloat(x, row + j) - mean) * rstd;
                setFloat(out, row + j, (float) (normalized * getFloat(weight, j) + getFloat(bias, j)));
            }
        }
    }

    /**
     * Rotary position embedding, in place, exactly as llama2.c's float arithmetic: pair i of each head (elements
     * {@code rope.firstOffset(i)} and {@code rope.partnerOffset(i)}) is rotated by the angle
     * {@code (pos + b) * rope.inverseFrequency(i)} computed as a float product.
     *
     * @param x (B, width), width a multiple of rope.headSize(); row b is at position pos + b
     */
    public static void rope(MemorySegment x, int rows, int width, int pos, Rope rope) {
        for (int b = 0; b < rows; b++) {
            ropeRow(x, b, width, pos + b, rope);
        }
    }

    /**
     * Rotary position embedding, in place, of rows at positions of their own, as {@link #rope(MemorySegment, int,
     * int, int, Rope)}.
     *
     * @param x (B, width), width a multiple of rope.headSize(); row b is at position positions[b]
     * @param positions (B,)
     */
    public static void rope(MemorySegment x, int width, int[] positions, Rope rope) {
        for (int b = 0; b < positions.length; b++) {
            ropeRow(x, b, width, positions[b], rope);
        }
    }

    /** Rotates every head of row b of x (B, width) for position p. */
    private static void ropeRow(MemorySegment x, int b, int width, int p, Rope rope) {
        int headSize = rope.headSize();
        for (long head = (long) b * width; head < (long) (b + 1) * width; head += headSize) {
            for (int i = 0; i < headSize / 2; i++) {
                float val = p * rope.inverseFrequency(i);
                float fcr = (float) Math.cos(val);
                float fci = (float) Math.sin(val);
                long i0 = head + rope.firstOffset(i);
                long i1 = head + rope.partnerOffset(i);
                float v0 = getFloat(x, i0);
                float v1 = getFloat(x, i1);
                setFloat(x, i0, v0 * fcr - v1 * fci);
                setFloat(x, i1, v0 * fci + v1 * fcr);
            }
        }
    }

    /**
     * Causal multi-head attention over a KV cache, as llama2.c: for query row b (position p = pos + b) and head h,
     * scores[t] = q·k[t] / sqrt(headSize) for t in 0..p, softmax, then the weighted sum of the values. Query head h
     * reads key/value head h / kvMul (grouped-query attention).
     *
     * <p>Allocates its score buffer per call: the oracle favours plainness; {@link AttentionKernels} preallocates.
     *
     * @param out (B, nHeads * headSize), not q
     * @param q (B, nHeads * headSize)
     * @param keys (seqLen, nKvHeads * headSize), rows 0..pos+B-1 filled
     * @param values (seqLen, nKvHeads * headSize), rows 0..pos+B-1 filled
     */
    public static void attention(MemorySegment out, MemorySegment q, MemorySegment keys, MemorySegment values,
                                 int rows, int pos, AttentionShape heads) {
        double[] att = new double[pos + rows]; // (p + 1,) attention weights of one head
        for (int b = 0; b < rows; b++) {
            attentionRow(out, q, b, keys, values, pos + b, heads, att);
        }
    }

    /**
     * Attention of rows from different sequences, each over its own KV cache: query row b attends over positions
     * 0..positions[b] of keys[b] and values[b], as {@link #attention(MemorySegment, MemorySegment, MemorySegment,
     * MemorySegment, int, int, AttentionShape)} does.
     *
     * @param out (B, nHeads * headSize), not q
     * @param q (B, nHeads * headSize)
     * @param keys B × (seqLen_b, nKvHeads * headSize), rows 0..positions[b] filled
     * @param values B × (seqLen_b, nKvHeads * headSize), rows 0..positions[b] filled
     * @param positions (B,)
     */
    public static void attention(MemorySegment out, MemorySegment q, MemorySegment[] keys, MemorySegment[] values,
                                 int[] positions, AttentionShape heads) {
        for (int b = 0; b < positions.length; b++) {
            double[] att = new double[positions[b] + 1]; // (p + 1,) attention weights of one head
            attentionRow(out, q, b, keys[b], values[b], positions[b], heads, att);
        }
    }

    /** Every head of query row b at position p over rows 0..p of keys and values; att holds (p + 1,) doubles. */
    private static void attentionRow(MemorySegment out, MemorySegment q, int b, MemorySegment keys,
                                     MemorySegment values, int p, AttentionShape heads, double[] att) {
        int headSize = heads.headSize();
        int kvDim = heads.kvDim();
        for (int h = 0; h < heads.nHeads(); h++) {
            long qHead = (long) b * heads.queryDim() + (long) h * headSize;
            long kvHead = (long) (h / heads.kvMul()) * headSize;
            // iterate over all timesteps, including the current one
            for (int t = 0; t <= p; t++) {
                double score = 0;
                for (int i = 0; i < headSize; i++) {
                    score += (double) getFloat(q, qHead + i) * getFloat(keys, (long) t * kvDim + kvHead + i);
                }
                att[t] = score / Math.sqrt(headSize);
            }
            // softmax the scores to get attention weights, from 0..p inclusively
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t <= p; t++) {
                max = Math.max(max, att[t]);
            }
            double sum = 0;
            for (int t = 0; t <= p; t++) {
                att[t] = Math.exp(att[t] - max);
                sum += att[t];
            }
            // weighted sum of the values
            for (int i = 0; i < headSize; i++) {
                double val = 0;
                for (int t = 0; t <= p; t++) {
                    val += att[t] / sum * getFloat(values, (long) t * kvDim + kvHead + i);
                }
                setFloat(out, qHead + i, (float) val);
            }
        }
    }

    /**
     * GELU, tanh approximation: out = 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³))).
     *
     * @param out (size,), may be x
     * @param x (size,)
     */
    public static void gelu(MemorySegment out, MemorySegment x, long size) {
        double c = Math.sqrt(2 / Math.PI);
        for (long i = 0; i < size; i++) {
            double v = getFloat(x, i);
            setFloat(out, i, (float) (0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v * v * v)))));
        }
    }

    /**
     * SwiGLU's gate: out = silu(gate) * up.
     *
     * @param out (size,), may be gate or up
     * @param gate (size,)
     * @param up (size,)
     */
    public static void swiglu(MemorySegment out, MemorySegment gate, MemorySegment up, long size) {
        for (long i = 0; i < size; i++) {
            setFloat(out, i, (float) (silu(getFloat(gate, i)) * getFloat(up, i)));
        }
    }

    /**
     * out = a + b, where b repeats every {@code bSize} elements (bSize = size, or one row added to every row).
     *
     * @param out (size,), may be a or b
     * @param a (size,)
     * @param b (bSize,), bSize divides size
     */
    public static void add(MemorySegment out, MemorySegment a, MemorySegment b, long size, long bSize) {
        for (long i = 0; i < size; i++) {
            setFloat(out, i, getFloat(a, i) + getFloat(b, i % bSize));
        }
    }

    private static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }
}
