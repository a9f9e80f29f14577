package dev.troupe.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class TensorsTest {

    @Test
    void shouldCopyFloatsInAndOutRowMajor() {
        float[] v = {1, 2, 3, 4, 5, 6};
        try (PointerScope scope = new PointerScope()) {
            Tensor t = Tensors.fromFloats(v, 2, 3);
            assertArrayEquals(new long[] {2, 3}, Tensors.shape(t));
            assertEquals("F32[2, 3]", Tensors.describe(t));
            assertArrayEquals(v, Tensors.toFloats(t));
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, Tensors.toFloats(t.t()));
            v[0] = 99;
            assertEquals(1f, Tensors.toFloats(t)[0], "fromFloats copies");
        }
    }

    @Test
    void shouldCopyLongsInAndOut() {
        try (PointerScope scope = new PointerScope()) {
            Tensor t = Tensors.fromLongs(new long[][] {{1, 2}, {3, Long.MAX_VALUE}});
            assertArrayEquals(new long[] {2, 2}, Tensors.shape(t));
            assertArrayEquals(new long[] {1, 2, 3, Long.MAX_VALUE}, Tensors.toLongs(t));
            assertArrayEquals(
                    new long[] {0, 1, 2, 3}, Tensors.toLongs(Tensors.arange(ComputeDevice.CPU, 4)));
        }
    }

    @Test
    void shouldHandleScalarsAndEmptyTensors() {
        try (PointerScope scope = new PointerScope()) {
            Tensor scalar = Tensors.fromFloats(new float[] {2.5f});
            assertArrayEquals(new long[0], Tensors.shape(scalar));
            assertEquals(2.5f, Tensors.item(scalar));
            Tensor empty = Tensors.fromFloats(new float[0], 0, 5);
            assertArrayEquals(new float[0], Tensors.toFloats(empty));
            assertArrayEquals(new byte[0], Tensors.toBytes(empty));
        }
    }

    @Test
    void shouldRejectValuesThatDoNotFillTheShape() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Tensors.fromFloats(new float[] {1, 2, 3}, 2, 2));
        assertEquals("3 values do not fill shape [2, 2]", e.getMessage());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Tensors.fromLongs(new long[][] {{1, 2}, {3}}));
        assertTrue(e.getMessage().contains("row 1 has 1"), e.getMessage());
    }

    @Test
    void shouldRejectItemOfManyElements() {
        try (Tensor t = Tensors.ones(ComputeDevice.CPU, DType.F32, 2)) {
            assertThrows(IllegalArgumentException.class, () -> Tensors.item(t));
        }
    }

    @Test
    void shouldConvertDtypeOnTheWayOut() {
        try (PointerScope scope = new PointerScope()) {
            Tensor bf = Tensors.fromFloats(new float[] {1.5f, -2f}, 2).to(DType.BF16.scalarType());
            assertEquals(DType.BF16, Tensors.dtype(bf));
            assertArrayEquals(new float[] {1.5f, -2f}, Tensors.toFloats(bf));
            assertArrayEquals(
                    new byte[] {(byte) 0xc0, 0x3f, 0x00, (byte) 0xc0}, Tensors.toBytes(bf));
        }
    }
}
