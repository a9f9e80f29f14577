package dev.troupe.transport;

import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Names, dtypes and shapes of a tensor set (an adapter's LoRA A/B tensors, say), in a fixed order.
 * A subscriber preallocates its buffers from it and refuses a version that does not match it.
 *
 * @param entries the tensors in order
 */
public record TensorLayout(List<Entry> entries) {

    /**
     * One tensor.
     *
     * @param name its name
     * @param dtype its dtype
     * @param shape its shape
     */
    public record Entry(String name, DType dtype, long[] shape) {
        public long lengthBytes() {
            long n = dtype.sizeBytes();
            for (long s : shape) {
                n *= s;
            }
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e
                    && e.name.equals(name)
                    && e.dtype == dtype
                    && Arrays.equals(e.shape, shape);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return name + ":" + dtype + Arrays.toString(shape);
        }
    }

    public TensorLayout {
        entries = List.copyOf(entries);
    }

    /** The layout of {@code tensors}, in their iteration order. */
    public static TensorLayout of(Map<String, org.bytedeco.pytorch.Tensor> tensors) {
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<String, org.bytedeco.pytorch.Tensor> e : tensors.entrySet()) {
            out.add(
                    new Entry(
                            e.getKey(), Tensors.dtype(e.getValue()), Tensors.shape(e.getValue())));
        }
        return new TensorLayout(out);
    }

    public long totalBytes() {
        long n = 0;
        for (Entry e : entries) {
            n += e.lengthBytes();
        }
        return n;
    }

    public int size() {
        return entries.size();
    }
}
