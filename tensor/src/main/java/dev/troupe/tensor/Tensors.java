package dev.troupe.tensor;

import java.util.Arrays;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.LongArrayRef;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Small conveniences over the libtorch API: shapes, host copies in and out, and creation with
 * Troupe's {@link DType} and {@link ComputeDevice}. Every returned tensor is owned by the caller.
 */
public final class Tensors {
    private Tensors() {}

    /** The shape of a tensor as a Java array. */
    public static long[] shape(Tensor t) {
        try (LongArrayRef sizes = t.sizes()) {
            long[] out = new long[(int) sizes.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = sizes.get(i);
            }
            return out;
        }
    }

    public static DType dtype(Tensor t) {
        return DType.fromScalarType(t.scalar_type());
    }

    public static String describe(Tensor t) {
        return dtype(t) + Arrays.toString(shape(t));
    }

    /** A new, uninitialised tensor. */
    public static Tensor empty(ComputeDevice device, DType dtype, long... shape) {
        try (TensorOptions o = device.options(dtype)) {
            return torch.empty(shape, o, new MemoryFormatOptional());
        }
    }

    public static Tensor zeros(ComputeDevice device, DType dtype, long... shape) {
        try (TensorOptions o = device.options(dtype)) {
            return torch.zeros(shape, o);
        }
    }

    public static Tensor ones(ComputeDevice device, DType dtype, long... shape) {
        try (TensorOptions o = device.options(dtype)) {
            return torch.ones(shape, o);
        }
    }

    /** 0, 1, ..., n-1 as int64. */
    public static Tensor arange(ComputeDevice device, long n) {
        try (TensorOptions o = device.options(DType.I64);
                Scalar end = new Scalar(n)) {
            return torch.arange(end, o);
        }
    }

    /** A CPU float32 tensor holding a copy of {@code data}. */
    public static Tensor fromFloats(float[] data, long... shape) {
        checkCount(data.length, shape);
        Tensor t = empty(ComputeDevice.CPU, DType.F32, shape);
        if (data.length == 0) {
            return t; // an empty tensor's data pointer is null
        }
        try (FloatPointer p = new FloatPointer(t.data_ptr())) {
            p.capacity(data.length).put(data);
        }
        return t;
    }

    /** A CPU int64 tensor holding a copy of {@code data}. */
    public static Tensor fromLongs(long[] data, long... shape) {
        checkCount(data.length, shape);
        Tensor t = empty(ComputeDevice.CPU, DType.I64, shape);
        if (data.length == 0) {
            return t; // an empty tensor's data pointer is null
        }
        try (LongPointer p = new LongPointer(t.data_ptr())) {
            p.capacity(data.length).put(data);
        }
        return t;
    }

    /** A CPU int64 tensor of shape (rows, cols) from a rectangular array. */
    public static Tensor fromLongs(long[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        long[] flat = new long[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != cols) {
                throw new IllegalArgumentException(
                        "ragged rows: row " + i + " has " + rows[i].length);
            }
            System.arraycopy(rows[i], 0, flat, i * cols, cols);
        }
        return fromLongs(flat, rows.length, cols);
    }

    /** The elements as float32, copied to the host in row-major order. */
    public static float[] toFloats(Tensor t) {
        if (t.numel() == 0) {
            return new float[0]; // an empty tensor's data pointer is null
        }
        try (Tensor host = hostContiguous(t, DType.F32);
                FloatPointer p = new FloatPointer(host.data_ptr())) {
            float[] out = new float[(int) host.numel()];
            p.capacity(out.length).get(out);
            return out;
        }
    }

    /** The elements as int64, copied to the host in row-major order. */
    public static long[] toLongs(Tensor t) {
        if (t.numel() == 0) {
            return new long[0];
        }
        try (Tensor host = hostContiguous(t, DType.I64);
                LongPointer p = new LongPointer(host.data_ptr())) {
            long[] out = new long[(int) host.numel()];
            p.capacity(out.length).get(out);
            return out;
        }
    }

    /** A single float value. */
    public static float item(Tensor t) {
        if (t.numel() != 1) {
            throw new IllegalArgumentException(
                    "item() of a tensor with " + t.numel() + " elements");
        }
        return toFloats(t)[0];
    }

    /** The raw bytes, copied to the host in row-major order, in the tensor's own dtype. */
    public static byte[] toBytes(Tensor t) {
        if (t.numel() == 0) {
            return new byte[0];
        }
        try (Tensor host = hostContiguous(t, dtype(t));
                BytePointer p = new BytePointer(host.data_ptr())) {
            byte[] out = new byte[(int) host.nbytes()];
            p.capacity(out.length).get(out);
            return out;
        }
    }

    /**
     * A contiguous host copy in {@code dtype} (may share storage with {@code t} if it already is
     * one).
     */
    public static Tensor hostContiguous(Tensor t, DType dtype) {
        try (Tensor cpu = t.cpu();
                Tensor typed = cpu.to(dtype.scalarType())) {
            return typed.contiguous();
        }
    }

    private static void checkCount(int count, long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        if (n != count) {
            throw new IllegalArgumentException(
                    count + " values do not fill shape " + Arrays.toString(shape));
        }
    }
}
