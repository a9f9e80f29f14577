package dev.troupe.tensor.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link SafetensorsWriter} then {@link SafetensorsFile}: what goes in comes out, bit for bit. */
class SafetensorsRoundTripTest {
    @TempDir Path dir;

    @ParameterizedTest
    @EnumSource(DType.class)
    void shouldRoundTripEveryShapeBitForBit(DType dtype) {
        Random random = new Random(1234 + dtype.ordinal());
        Path file = dir.resolve(dtype + ".safetensors");
        Map<String, byte[]> expected = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            byte[] matrix = HandMadeFiles.randomBytes(dtype, 15, random);
            tensors.put("matrix", HandMadeFiles.tensorOfBytes(dtype, matrix, 3, 5));
            expected.put("matrix", matrix);
            shapes.put("matrix", new long[] {3, 5});

            // Odd element count: the next tensor's data starts unaligned, as the format allows.
            byte[] vector = HandMadeFiles.randomBytes(dtype, 7, random);
            tensors.put("vector", HandMadeFiles.tensorOfBytes(dtype, vector, 7));
            expected.put("vector", vector);
            shapes.put("vector", new long[] {7});

            byte[] scalar = HandMadeFiles.randomBytes(dtype, 1, random);
            tensors.put("scalar", HandMadeFiles.tensorOfBytes(dtype, scalar));
            expected.put("scalar", scalar);
            shapes.put("scalar", new long[0]);

            tensors.put("empty", Tensors.empty(ComputeDevice.CPU, dtype, 0, 4));
            expected.put("empty", new byte[0]);
            shapes.put("empty", new long[] {0, 4});

            Tensor base =
                    HandMadeFiles.tensorOfBytes(
                            dtype, HandMadeFiles.randomBytes(dtype, 12, random), 4, 3);
            Tensor transposed = base.t();
            assertFalse(transposed.is_contiguous());
            tensors.put("transposed", transposed);
            // Row-major bytes of the (3, 4) view, as libtorch lays them out when it copies.
            expected.put("transposed", Tensors.toBytes(transposed));
            shapes.put("transposed", new long[] {3, 4});

            SafetensorsWriter.write(file, tensors, Map.of("format", "pt", "step", "12"));
        }

        try (SafetensorsFile f = SafetensorsFile.open(file);
                PointerScope scope = new PointerScope()) {
            assertEquals(List.copyOf(expected.keySet()), List.copyOf(f.names()));
            assertEquals(Map.of("format", "pt", "step", "12"), f.metadata());
            for (String name : expected.keySet()) {
                TensorEntry e = f.entry(name);
                assertEquals(dtype, e.dtype(), name);
                assertArrayEquals(shapes.get(name), e.shape(), name);
                assertEquals(expected.get(name).length, e.lengthBytes(), name);
                Tensor t = f.load(name);
                assertTrue(DType.same(dtype.scalarType(), t.scalar_type()), name);
                assertArrayEquals(shapes.get(name), Tensors.shape(t), name);
                assertArrayEquals(expected.get(name), Tensors.toBytes(t), name);
            }
        }
    }

    @Test
    void shouldRoundTripAFileWithNoTensorsAndNoMetadata() {
        Path file = dir.resolve("empty.safetensors");
        SafetensorsWriter.write(file, Map.of(), Map.of());
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertTrue(f.names().isEmpty());
            assertTrue(f.metadata().isEmpty());
        }
        // "{}" padded to 8 bytes, as the reference writes an empty file.
        assertArrayEquals(
                new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '},
                HandMadeFiles.read(file));
    }

    @Test
    void shouldKeepFloatValuesAfterRoundTrip() {
        Path file = dir.resolve("floats.safetensors");
        float[] values = {0f, -0f, 1.5f, -3.25e-38f, Float.MAX_VALUE, Float.NEGATIVE_INFINITY};
        try (Tensor t = Tensors.fromFloats(values, 2, 3)) {
            SafetensorsWriter.write(file, Map.of("w", t), Map.of());
        }
        try (SafetensorsFile f = SafetensorsFile.open(file);
                Tensor t = f.load("w")) {
            float[] back = Tensors.toFloats(t);
            for (int i = 0; i < values.length; i++) {
                assertEquals(
                        Float.floatToRawIntBits(values[i]),
                        Float.floatToRawIntBits(back[i]),
                        "" + i);
            }
        }
    }
}
