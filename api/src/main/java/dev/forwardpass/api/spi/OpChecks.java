package dev.forwardpass.api.spi;

import dev.forwardpass.api.AttentionShape;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.DType;
import dev.forwardpass.api.Rope;
import dev.forwardpass.api.Shape;
import dev.forwardpass.api.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * The argument checks of every op of {@link Backend}, written once: every backend calls the op's check before it
 * computes, so that all of them reject the same arguments with the same message. Checks here are about shapes,
 * dtypes, indices and aliasing, and work on any {@link Tensor}; whether a tensor belongs to the backend, and is still
 * open, the backend checks itself (and words the refusal of another backend's tensor with {@link #foreignTensor}).
 *
 * <p>A message names the op, the argument, what was expected and what was found, e.g.
 * {@code "matmul: x must be [n] or [B, n] with the n of w [5, 8], found [3, 7]"}. A passing check compares ints and
 * references only: nothing is formatted, boxed or allocated, so the checks cost nothing per token.
 */
public final class OpChecks {
    private OpChecks() {}

    /** {@return the refusal of a tensor that is not the backend's: {@code role} names the op and the argument} */
    public static IllegalArgumentException foreignTensor(String role, Tensor tensor, String backend) {
        String owner = tensor.backendName();
        return new IllegalArgumentException(owner.equals(backend)
                ? role + " is a tensor of another '" + backend + "' backend instance; this one cannot use it"
                : role + " is a tensor of backend '" + owner + "'; backend '" + backend + "' cannot use it");
    }

    // ----------------------------------------------------------------------------------------------------------
    // memory

    /** Checks the arguments of {@link Backend#upload}. */
    public static void checkUpload(Backend backend, MemorySegment data, Shape shape, DType dtype) {
        if (!backend.supports(dtype)) {
            throw new IllegalArgumentException(
                    "upload: backend '" + backend.name() + "' does not support dtype " + dtype);
        }
        if (dtype.isQuantized() && (shape.rank() != 2 || shape.columns() % dtype.blockSize() != 0)) {
            throw new IllegalArgumentException("upload: a " + dtype + " tensor must be [rows, columns] with columns a "
                    + "multiple of " + dtype.blockSize() + ", found " + shape);
        }
        long bytes = dtype.byteSize(shape.size());
        if (data.byteSize() != bytes) {
            throw new IllegalArgumentException("upload: data must be " + bytes + " bytes for " + dtype + " " + shape
                    + ", found " + data.byteSize() + " bytes");
        }
    }

    /** Checks the arguments of {@link Backend#copyTo}. */
    public static void checkCopyTo(Tensor src, float[] dst) {
        if (dst.length != src.shape().size()) {
            throw new IllegalArgumentException("copyTo: dst must hold the " + src.shape().size() + " elements of src "
                    + src.shape() + ", found " + dst.length);
        }
    }

    /** Checks the arguments of {@link Backend#copyRows}. */
    public static void checkCopyRows(Tensor dst, int dstRow, Tensor src, int srcRow, int rows) {
        Shape ds = activation(dst, "copyRows: dst");
        Shape ss = activation(src, "copyRows: src");
        if (!(ds.rank() <= 2 && ss.rank() <= 2 && ss.columns() == ds.columns())) {
            throw new IllegalArgumentException(
                    "copyRows: dst and src must be [n] or [R, n] with the same n, found " + ds + " and " + ss);
        }
        if (rows < 1) {
            throw new IllegalArgumentException("copyRows: rows must be >= 1, found " + rows);
        }
        checkRowRange("copyRows: src", ss, srcRow, rows);
        checkRowRange("copyRows: dst", ds, dstRow, rows);
    }

    // ----------------------------------------------------------------------------------------------------------
    // ops

    /** Checks the arguments of {@link Backend#embedding}. */
    public static void checkEmbedding(Tensor out, Tensor table, int[] tokens) {
        Shape os = activation(out, "embedding: out");
        Shape ts = table.shape();
        if (ts.rank() != 2) {
            throw new IllegalArgumentException("embedding: table must be [vocab, dim], found " + ts);
        }
        if (!(os.rank() <= 2 && os.columns() == ts.columns())) {
            throw new IllegalArgumentException(
                    "embedding: out must be [dim] or [B, dim] with the dim of table " + ts + ", found " + os);
        }
        if (tokens.length != os.rows()) {
            throw new IllegalArgumentException(
                    "embedding: tokens must be one per row of out " + os + ", found " + tokens.length + " tokens");
        }
        int vocab = ts.rows();
        for (int token : tokens) {
            if (token < 0 || token >= vocab) {
                throw new IllegalArgumentException(
                        "embedding: tokens must be in the table's vocabulary [0, " + vocab + "), found " + token);
            }
        }
    }

    /** Checks the arguments of {@link Backend#matmul(Tensor, Tensor, Tensor, Tensor)}. */
    public static void checkMatmul(Tensor out, Tensor w, Tensor x, Tensor bias) {
        Shape os = activation(out, "matmul: out");
        Shape xs = activation(x, "matmul: x");
        Shape ws = w.shape();
        if (ws.rank() != 2) {
            throw new IllegalArgumentException("matmul: w must be [d, n], found " + ws);
        }
        if (!(xs.rank() <= 2 && xs.columns() == ws.columns())) {
            throw new IllegalArgumentException(
                    "matmul: x must be [n] or [B, n] with the n of w " + ws + ", found " + xs);
        }
        if (!(os.rank() == xs.rank() && os.rows() == xs.rows() && os.columns() == ws.rows())) {
            throw new IllegalArgumentException(
                    "matmul: out must be [d] or [B, d] like x " + xs + " with the d of w " + ws + ", found " + os);
        }
        if (out == x) {
            throw new IllegalArgumentException("matmul: out must not be x");
        }
        if (bias != null && !(bias.shape().rank() == 1 && bias.shape().columns() == ws.rows())) {
            throw new IllegalArgumentException("matmul: bias must be [d] for w " + ws + ", found " + bias.shape());
        }
    }

    /** Checks the arguments of {@link Backend#rmsNorm}. */
    public static void checkRmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        Shape xs = rows(x, "rmsNorm: x");
        checkSameShape("rmsNorm: out", activation(out, "rmsNorm: out"), "x", xs);
        checkRowVector("rmsNorm: weight", weight, xs);
        checkEps("rmsNorm", eps);
    }

    /** Checks the arguments of {@link Backend#layerNorm}. */
    public static void checkLayerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        Shape xs = rows(x, "layerNorm: x");
        checkSameShape("layerNorm: out", activation(out, "layerNorm: out"), "x", xs);
        checkRowVector("layerNorm: weight", weight, xs);
        checkRowVector("layerNorm: bias", bias, xs);
        checkEps("layerNorm", eps);
    }

    /** Checks the arguments of {@link Backend#rope}. */
    public static void checkRope(Tensor x, int pos, Rope rope) {
        checkPositions("rope", pos, ropeRows(x, rope).rows());
    }

    /** Checks the arguments of {@link Backend#rope(Tensor, int[], Rope)}. */
    public static void checkRope(Tensor x, int[] positions, Rope rope) {
        checkOnePositionPerRow("rope", positions, "x", ropeRows(x, rope));
    }

    /** Checks the arguments of {@link Backend#attention(Tensor, Tensor, Tensor, Tensor, int, AttentionShape)}. */
    public static void checkAttention(Tensor out, Tensor q, Tensor keys, Tensor values, int pos, AttentionShape heads) {
        Shape qs = queries(out, q, heads);
        Shape ks = cache(keys, values, heads);
        checkPositions("attention", pos, qs.rows());
        if (pos + qs.rows() > ks.rows()) {
            throw new IllegalArgumentException("attention: keys must hold positions 0.." + (pos + qs.rows() - 1)
                    + ", found a cache of " + ks.rows() + " rows");
        }
    }

    /** Checks the arguments of {@link Backend#attention(Tensor, Tensor, Tensor[], Tensor[], int[], AttentionShape)}. */
    public static void checkAttention(Tensor out, Tensor q, Tensor[] keys, Tensor[] values, int[] positions,
                                      AttentionShape heads) {
        Shape qs = queries(out, q, heads);
        if (keys.length != qs.rows() || values.length != qs.rows()) {
            throw new IllegalArgumentException("attention: keys and values must be one cache per row of q " + qs
                    + ", found " + keys.length + " keys and " + values.length + " values");
        }
        checkOnePositionPerRow("attention", positions, "q", qs);
        for (int b = 0; b < positions.length; b++) {
            Shape ks = cache(keys[b], values[b], heads);
            if (positions[b] >= ks.rows()) {
                throw new IllegalArgumentException("attention: keys[" + b + "] must hold positions 0.." + positions[b]
                        + ", found a cache of " + ks.rows() + " rows");
            }
        }
    }

    /** Checks the arguments of {@link Backend#gelu}. */
    public static void checkGelu(Tensor out, Tensor x) {
        checkSameShape("gelu: out", activation(out, "gelu: out"), "x", activation(x, "gelu: x"));
    }

    /** Checks the arguments of {@link Backend#swiglu}. */
    public static void checkSwiglu(Tensor out, Tensor gate, Tensor up) {
        Shape gs = activation(gate, "swiglu: gate");
        checkSameShape("swiglu: out", activation(out, "swiglu: out"), "gate", gs);
        checkSameShape("swiglu: up", activation(up, "swiglu: up"), "gate", gs);
    }

    /** Checks the arguments of {@link Backend#add}. */
    public static void checkAdd(Tensor out, Tensor a, Tensor b) {
        Shape as = activation(a, "add: a");
        Shape bs = activation(b, "add: b");
        checkSameShape("add: out", activation(out, "add: out"), "a", as);
        if (!(bs.equals(as) || bs.rank() == 1 && bs.columns() == as.columns())) {
            throw new IllegalArgumentException(
                    "add: b must have the shape of a " + as + " or be one row of it, found " + bs);
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // shared parts

    /** {@return the shape of an activation}, which must be F32 (weights may be any dtype the backend supports) */
    private static Shape activation(Tensor tensor, String role) {
        if (tensor.dtype() != DType.F32) {
            throw new IllegalArgumentException(role + " must be F32, found " + tensor.dtype());
        }
        return tensor.shape();
    }

    /** {@return the shape of the F32 rows of a row-wise op}: a vector {@code [n]} or a batch {@code [B, n]} */
    private static Shape rows(Tensor tensor, String role) {
        Shape shape = activation(tensor, role);
        if (shape.rank() > 2) {
            throw new IllegalArgumentException(role + " must be [n] or [B, n], found " + shape);
        }
        return shape;
    }

    /** {@return the shape of the x of rope}, {@code [nHeads * headSize]} or {@code [B, nHeads * headSize]} */
    private static Shape ropeRows(Tensor x, Rope rope) {
        Shape xs = activation(x, "rope: x");
        if (!(xs.rank() <= 2 && xs.columns() % rope.headSize() == 0)) {
            throw new IllegalArgumentException("rope: x must be [nHeads * headSize] or [B, nHeads * headSize] with "
                    + "headSize " + rope.headSize() + ", found " + xs);
        }
        return xs;
    }

    /** {@return the shape of attention's q}, after checking q, and out against it */
    private static Shape queries(Tensor out, Tensor q, AttentionShape heads) {
        Shape os = activation(out, "attention: out");
        Shape qs = activation(q, "attention: q");
        if (!(qs.rank() <= 2 && qs.columns() == heads.queryDim())) {
            throw new IllegalArgumentException(
                    "attention: q must be [queryDim] or [B, queryDim] for " + heads + ", found " + qs);
        }
        checkSameShape("attention: out", os, "q", qs);
        if (out == q) {
            throw new IllegalArgumentException("attention: out must not be q");
        }
        return qs;
    }

    /** {@return the shape of one KV cache of attention}, after checking its keys, and its values against them */
    private static Shape cache(Tensor keys, Tensor values, AttentionShape heads) {
        Shape ks = activation(keys, "attention: keys");
        if (!(ks.rank() == 2 && ks.columns() == heads.kvDim())) {
            throw new IllegalArgumentException(
                    "attention: keys must be [seqLen, kvDim] for " + heads + ", found " + ks);
        }
        checkSameShape("attention: values", activation(values, "attention: values"), "keys", ks);
        return ks;
    }

    private static void checkRowVector(String role, Tensor tensor, Shape x) {
        if (!(tensor.shape().rank() == 1 && tensor.shape().columns() == x.columns())) {
            throw new IllegalArgumentException(role + " must be [n] for x " + x + ", found " + tensor.shape());
        }
    }

    private static void checkSameShape(String role, Shape shape, String other, Shape expected) {
        if (!shape.equals(expected)) {
            throw new IllegalArgumentException(
                    role + " must have the shape of " + other + " " + expected + ", found " + shape);
        }
    }

    private static void checkRowRange(String role, Shape shape, int from, int rows) {
        if (from < 0 || from > shape.rows() - rows) {
            throw new IllegalArgumentException(role + " must have rows " + from + ".." + ((long) from + rows - 1)
                    + ", found " + shape);
        }
    }

    private static void checkPositions(String op, int pos, int rows) {
        if (pos < 0) {
            throw new IllegalArgumentException(op + ": pos must be >= 0, found " + pos);
        }
        if (pos > Integer.MAX_VALUE - rows) {
            throw new IllegalArgumentException(op + ": positions from pos " + pos + " overflow an int");
        }
    }

    private static void checkOnePositionPerRow(String op, int[] positions, String rowsOf, Shape rows) {
        if (positions.length != rows.rows()) {
            throw new IllegalArgumentException(op + ": positions must be one per row of " + rowsOf + " " + rows
                    + ", found " + positions.length + " positions");
        }
        for (int p : positions) {
            if (p < 0) {
                throw new IllegalArgumentException(op + ": positions must be >= 0, found " + p);
            }
        }
    }

    private static void checkEps(String op, float eps) {
        if (!(eps >= 0 && eps < Float.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(op + ": eps must be finite and >= 0, found " + eps);
        }
    }
}
