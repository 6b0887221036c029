package dev.forwardpass.api;

import java.util.Arrays;

/**
 * An immutable tensor shape, outermost dimension first (row-major): {@code [rows, columns]} for a matrix.
 * Every dimension is at least 1.
 */
public final class Shape {
    private final int[] dims;
    /** The product of the dimensions: every op's argument checks ask for it, a few hundred times a decode step. */
    private final long size;

    private Shape(int[] dims, long size) {
        this.dims = dims;
        this.size = size;
    }

    /** {@return the shape with these dimensions} */
    public static Shape of(int... dims) {
        if (dims.length < 1) {
            throw new IllegalArgumentException("a shape needs at least one dimension");
        }
        long size = 1;
        for (int d : dims) {
            if (d < 1) {
                throw new IllegalArgumentException("every dimension must be >= 1, found " + Arrays.toString(dims));
            }
            size = Math.multiplyExact(size, d);
        }
        return new Shape(dims.clone(), size);
    }

    /** {@return the number of dimensions} */
    public int rank() {
        return dims.length;
    }

    /** {@return dimension {@code i}; negative {@code i} counts from the last (-1 is the last)} */
    public int dim(int i) {
        return dims[i < 0 ? dims.length + i : i];
    }

    /** {@return the innermost (last) dimension: the length of one row} */
    public int columns() {
        return dims[dims.length - 1];
    }

    /** {@return the number of rows: the product of every dimension but the last (1 for a vector)} */
    public int rows() {
        return Math.toIntExact(size() / columns());
    }

    /** {@return the number of elements} */
    public long size() {
        return size;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape other && Arrays.equals(dims, other.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
