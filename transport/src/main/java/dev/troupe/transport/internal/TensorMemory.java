package dev.troupe.transport.internal;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;

/**
 * The native memory of a contiguous host tensor, seen two ways without a copy: its address (for
 * Agrona's {@code UnsafeBuffer}) and a direct {@link ByteBuffer} over it (for the CRC32C
 * intrinsic). The tensor must outlive both.
 */
public final class TensorMemory {
    /** The largest tensor one view covers: a ByteBuffer is int-indexed. */
    public static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);

    private final long address;
    private final long lengthBytes;
    private final ByteBuffer view;

    private TensorMemory(long address, long lengthBytes, ByteBuffer view) {
        this.address = address;
        this.lengthBytes = lengthBytes;
        this.view = view;
    }

    /**
     * Views {@code t}, which must be a contiguous CPU tensor.
     *
     * @throws IllegalArgumentException if it is not, or is larger than {@link #MAX_BYTES}
     */
    public static TensorMemory of(Tensor t, String name) {
        if (!t.is_cpu() || !t.is_contiguous()) {
            throw new IllegalArgumentException(
                    "tensor '" + name + "' must be a contiguous CPU tensor to be viewed");
        }
        long n = t.nbytes();
        if (n > MAX_BYTES) {
            throw new IllegalArgumentException(
                    "tensor '"
                            + name
                            + "' has "
                            + n
                            + " bytes; one tensor may have at most "
                            + MAX_BYTES
                            + " (split it)");
        }
        if (n == 0) {
            return new TensorMemory(0, 0, EMPTY);
        }
        Pointer data = t.data_ptr();
        long address = data.address();
        ByteBuffer view;
        try (BytePointer bytes = new BytePointer(data)) {
            bytes.position(0).capacity(n).limit(n);
            view = bytes.asByteBuffer();
        }
        return new TensorMemory(address, n, view);
    }

    public long address() {
        return address;
    }

    public long lengthBytes() {
        return lengthBytes;
    }

    /**
     * The view, its position and limit set to {@code [offset, offset + length)}. One view per
     * tensor; not for concurrent use.
     */
    public ByteBuffer window(long offset, int length) {
        view.limit(view.capacity());
        view.position((int) offset);
        view.limit((int) offset + length);
        return view;
    }
}
