package dev.troupe.tensor.safetensors;

import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;

/**
 * Safetensors files written byte by byte, for tests that need headers our writer would never
 * produce, and tensors filled with exact bit patterns.
 */
final class HandMadeFiles {
    private HandMadeFiles() {}

    /**
     * A file with {@code headerJson} as its header (unpadded, its length in the first 8 bytes)
     * followed by {@code dataBytes} bytes 0, 1, 2, ... (mod 256).
     */
    static Path withHeader(Path file, String headerJson, int dataBytes) {
        byte[] json = headerJson.getBytes(StandardCharsets.UTF_8);
        byte[] data = new byte[dataBytes];
        for (int i = 0; i < dataBytes; i++) {
            data[i] = (byte) i;
        }
        ByteBuffer b =
                ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json).put(data);
        return write(file, b.array());
    }

    /** A file whose first 8 bytes claim {@code headerLength}, followed by {@code rest}. */
    static Path withHeaderLength(Path file, long headerLength, byte[] rest) {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(rest);
        return write(file, b.array());
    }

    static Path write(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Random raw bytes for {@code numel} elements of {@code dtype}: any bit pattern (NaN payloads,
     * subnormals, infinities included), except BOOL, whose bytes are 0 or 1.
     */
    static byte[] randomBytes(DType dtype, long numel, Random random) {
        byte[] out = new byte[Math.toIntExact(numel * dtype.sizeBytes())];
        random.nextBytes(out);
        if (dtype == DType.BOOL) {
            for (int i = 0; i < out.length; i++) {
                out[i] &= 1;
            }
        }
        return out;
    }

    /** A contiguous CPU tensor holding exactly {@code bytes}; the caller owns it. */
    static Tensor tensorOfBytes(DType dtype, byte[] bytes, long... shape) {
        Tensor t = Tensors.empty(ComputeDevice.CPU, dtype, shape);
        if (bytes.length != t.nbytes()) {
            t.close();
            throw new IllegalArgumentException(
                    bytes.length + " bytes for a tensor of " + t.nbytes() + " bytes");
        }
        if (bytes.length > 0) {
            try (BytePointer p = new BytePointer(t.data_ptr())) {
                p.capacity(bytes.length).put(bytes);
            }
        }
        return t;
    }
}
