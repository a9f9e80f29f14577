package dev.troupe.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class OwnedTest {

    static Tensor ones(long... shape) {
        return Tensors.ones(ComputeDevice.CPU, DType.F32, shape);
    }

    @Test
    void shouldHandResultToTheOpenScopeWhichFreesIt() {
        Tensor result;
        try (PointerScope caller = new PointerScope()) {
            Tensor kept;
            try (PointerScope inner = new PointerScope()) {
                kept = Owned.keep(ones(2));
            }
            assertFalse(kept.isNull(), "keep outlives the scope it was made in");
            result = Owned.toCaller(kept);
            assertSame(kept, result);
            assertArrayEquals(new float[] {1, 1}, Tensors.toFloats(result));
        }
        assertTrue(result.isNull(), "the caller's scope freed it");
    }

    @Test
    void shouldFreeComputeTemporariesAndHandTheResultToTheCallersScope() {
        Tensor[] temporary = new Tensor[1];
        Tensor result;
        try (PointerScope caller = new PointerScope()) {
            result =
                    Owned.compute(
                            () -> {
                                temporary[0] = ones(2, 2);
                                return temporary[0].mul(new Scalar(3.0));
                            });
            assertTrue(temporary[0].isNull(), "temporary freed when compute returned");
            assertArrayEquals(new float[] {3, 3, 3, 3}, Tensors.toFloats(result));
        }
        assertTrue(result.isNull());
    }

    @Test
    void shouldLeaveTheResultToTheCallerWithoutAnOpenScope() {
        Tensor result = Owned.compute(() -> ones(3).mul(new Scalar(2.0)));
        try {
            assertFalse(result.isNull());
            System.gc();
            assertArrayEquals(new float[] {2, 2, 2}, Tensors.toFloats(result));
        } finally {
            result.close();
        }
        assertTrue(result.isNull());
    }

    @Test
    void shouldThrowNullPointerOnUseAfterRelease() {
        Tensor t;
        try (PointerScope scope = new PointerScope()) {
            t = Owned.keep(ones(2));
        }
        Owned.release(t);
        assertTrue(t.isNull());
        NullPointerException e = assertThrows(NullPointerException.class, t::numel);
        assertTrue(e.getMessage().contains("NULL"), e.getMessage());
        Owned.release(t); // a second release is ignored, not a double free
        Owned.release((Tensor) null);
    }

    @Test
    void shouldReleaseEachOfSeveralHandles() {
        Tensor a = Owned.keep(ones(1));
        Tensor b = Owned.keep(ones(1));
        Owned.release(a, null, b);
        assertTrue(a.isNull());
        assertTrue(b.isNull());
    }
}
