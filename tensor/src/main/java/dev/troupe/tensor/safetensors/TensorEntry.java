package dev.troupe.tensor.safetensors;

import dev.troupe.tensor.DType;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One tensor's place in a safetensors file.
 *
 * @param name the tensor's key in the header
 * @param dtype element type
 * @param shape row-major shape (empty for a scalar)
 * @param file the file that holds the bytes
 * @param dataStartBytes absolute file offset of the first byte
 * @param lengthBytes number of bytes: product(shape) * dtype size
 */
public record TensorEntry(
        String name, DType dtype, long[] shape, Path file, long dataStartBytes, long lengthBytes) {

    public TensorEntry {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long numel() {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    public int rank() {
        return shape.length;
    }

    public long size(int dim) {
        return shape[dim < 0 ? shape.length + dim : dim];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorEntry e
                && name.equals(e.name)
                && dtype == e.dtype
                && Arrays.equals(shape, e.shape)
                && file.equals(e.file)
                && dataStartBytes == e.dataStartBytes
                && lengthBytes == e.lengthBytes;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " @" + file.getFileName();
    }
}
