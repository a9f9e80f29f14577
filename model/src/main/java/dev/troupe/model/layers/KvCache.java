package dev.troupe.model.layers;

import dev.troupe.model.config.DecoderSpec;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Owned;
import dev.troupe.tensor.Tensors;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Keys and values of past positions, per layer, preallocated once for a batch: each buffer is (B,
 * kv_heads, capacity, head_dim). A forward pass over T new positions writes them at {@code [length,
 * length + T)} in every layer and attends over {@code [0, length + T)}; then {@link #advance} moves
 * {@code length}. For inference only (the writes are not differentiable).
 *
 * <p>In indexed mode ({@link #useIndexedWrites}) a decode step writes its one position at an index
 * held on the device and attends over the whole capacity (positions not yet written are masked out
 * by the caller): no pointer or shape depends on the length, so the step can be recorded once as a
 * CUDA graph and replayed. The model does not advance an indexed cache; its caller does.
 */
public final class KvCache implements AutoCloseable {
    /** Per layer (B, kv_heads, capacity, head_dim). */
    private final Tensor[] keys;

    /** Per layer (B, kv_heads, capacity, head_dim). */
    private final Tensor[] values;

    private final int capacity;
    private final long batch;
    private int length;

    /** (1) int64 on the device: the position the next decode step writes; null unless indexed. */
    private Tensor writeIndex;

    public KvCache(DecoderSpec spec, long batch, int capacity, ComputeDevice device, DType dtype) {
        if (capacity <= 0 || batch <= 0) {
            throw new IllegalArgumentException("KV cache needs batch > 0 and capacity > 0");
        }
        this.capacity = capacity;
        this.batch = batch;
        this.keys = new Tensor[spec.numLayers()];
        this.values = new Tensor[spec.numLayers()];
        for (int l = 0; l < spec.numLayers(); l++) {
            keys[l] =
                    Owned.keep(
                            Tensors.zeros(
                                    device,
                                    dtype,
                                    batch,
                                    spec.numKvHeads(),
                                    capacity,
                                    spec.headDim()));
            values[l] =
                    Owned.keep(
                            Tensors.zeros(
                                    device,
                                    dtype,
                                    batch,
                                    spec.numKvHeads(),
                                    capacity,
                                    spec.headDim()));
        }
    }

    /** Positions filled so far. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public long batchSize() {
        return batch;
    }

    /**
     * Writes a layer's new keys and values after the filled positions.
     *
     * @param k (B, kv_heads, T, D)
     * @param v (B, kv_heads, T, D)
     * @return {keys, values} views over positions {@code [0, length + T)}
     */
    public Tensor[] write(int layer, Tensor k, Tensor v) {
        long t = k.size(2);
        if (writeIndex != null) {
            if (t != 1) {
                throw new IllegalStateException(
                        "an indexed KV cache takes one position per step, got " + t);
            }
            keys[layer].index_copy_(2, writeIndex, k);
            values[layer].index_copy_(2, writeIndex, v);
            return new Tensor[] {keys[layer], values[layer]};
        }
        if (length + t > capacity) {
            throw new IllegalStateException(
                    "KV cache full: "
                            + length
                            + " + "
                            + t
                            + " positions exceed capacity "
                            + capacity);
        }
        keys[layer].narrow(2, length, t).copy_(k);
        values[layer].narrow(2, length, t).copy_(v);
        return new Tensor[] {
            keys[layer].narrow(2, 0, length + t), values[layer].narrow(2, 0, length + t)
        };
    }

    /** Marks {@code t} more positions as filled (after every layer has written them). */
    public void advance(int t) {
        if (length + t > capacity) {
            throw new IllegalStateException("KV cache advanced past its capacity " + capacity);
        }
        length += t;
        if (writeIndex != null) {
            try (Scalar step = new Scalar((long) t)) {
                writeIndex.add_(step);
            }
        }
    }

    /**
     * Switches to indexed writes from the current length on (see the class comment); keys and
     * values already written stay.
     */
    public void useIndexedWrites(ComputeDevice device) {
        if (writeIndex == null) {
            try (Tensor host = Tensors.fromLongs(new long[] {length}, 1);
                    Device dev = device.torchDevice()) {
                writeIndex = Owned.keep(host.to(dev, DType.I64.scalarType()));
            }
        }
    }

    /** Whether decode steps write at {@link #writeIndex}. */
    public boolean indexed() {
        return writeIndex != null;
    }

    /** (1) int64 on the device: where an indexed cache writes the next position. */
    public Tensor writeIndex() {
        if (writeIndex == null) {
            throw new IllegalStateException("the KV cache is not indexed");
        }
        return writeIndex;
    }

    /** Forgets every position, keeping the buffers (and leaving indexed mode). */
    public void reset() {
        length = 0;
        if (writeIndex != null) {
            Owned.release(writeIndex);
            writeIndex = null;
        }
    }

    @Override
    public void close() {
        Owned.release(keys);
        Owned.release(values);
        if (writeIndex != null) {
            Owned.release(writeIndex);
            writeIndex = null;
        }
    }
}
