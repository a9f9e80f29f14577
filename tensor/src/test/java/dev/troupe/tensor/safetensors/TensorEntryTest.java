package dev.troupe.tensor.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.troupe.tensor.DType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TensorEntryTest {
    static final Path FILE = Path.of("w.safetensors");

    @Test
    void shouldCopyItsShapeInAndOut() {
        long[] shape = {2, 3};
        TensorEntry e = new TensorEntry("w", DType.F32, shape, FILE, 8, 24);
        shape[0] = 99;
        e.shape()[1] = 99;
        assertArrayEquals(new long[] {2, 3}, e.shape());
    }

    @Test
    void shouldDescribeItsSize() {
        TensorEntry e = new TensorEntry("w", DType.BF16, new long[] {2, 3, 4}, FILE, 8, 48);
        assertEquals(24, e.numel());
        assertEquals(3, e.rank());
        assertEquals(4, e.size(-1));
        assertEquals(2, e.size(0));
        assertEquals(1, new TensorEntry("s", DType.F32, new long[0], FILE, 8, 4).numel());
        assertEquals("w BF16[2, 3, 4] @w.safetensors", e.toString());
    }

    @Test
    void shouldCompareByValue() {
        TensorEntry a = new TensorEntry("w", DType.F32, new long[] {2}, FILE, 8, 8);
        TensorEntry b = new TensorEntry("w", DType.F32, new long[] {2}, FILE, 8, 8);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, new TensorEntry("w", DType.F32, new long[] {2}, FILE, 16, 8));
        assertNotEquals(a, new TensorEntry("w", DType.I32, new long[] {2}, FILE, 8, 8));
    }
}
