package dev.troupe.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class SeededRandomTest {

    static float[] uniform(SeededRandom r, long n) {
        try (Tensor t = r.uniform(-2, 3, n)) {
            return Tensors.toFloats(t);
        }
    }

    static float[] normal(SeededRandom r, long n) {
        try (Tensor t = r.normal(1, 0.5, n)) {
            return Tensors.toFloats(t);
        }
    }

    @Test
    void shouldDrawTheSameNumbersFromTheSameSeed() {
        try (SeededRandom a = new SeededRandom(ComputeDevice.CPU, 42);
                SeededRandom b = new SeededRandom(ComputeDevice.CPU, 42)) {
            assertArrayEquals(uniform(a, 64), uniform(b, 64));
            assertArrayEquals(normal(a, 64), normal(b, 64));
        }
    }

    @Test
    void shouldDrawDifferentNumbersFromDifferentSeeds() {
        try (SeededRandom a = new SeededRandom(ComputeDevice.CPU, 42);
                SeededRandom b = new SeededRandom(ComputeDevice.CPU, 43)) {
            assertFalse(Arrays.equals(uniform(a, 64), uniform(b, 64)));
        }
    }

    @Test
    void shouldDrawUniformsInTheHalfOpenRange() {
        try (SeededRandom r = new SeededRandom(ComputeDevice.CPU, 7);
                Tensor t = r.uniform(-2, 3, 4, 256)) {
            assertArrayEquals(new long[] {4, 256}, Tensors.shape(t));
            assertEquals(DType.F32, Tensors.dtype(t));
            float[] v = Tensors.toFloats(t);
            double mean = 0;
            for (float x : v) {
                assertTrue(x >= -2 && x < 3, "sample " + x);
                mean += x / v.length;
            }
            assertEquals(0.5, mean, 0.2);
        }
    }

    @Test
    void shouldReplayASequenceFromASavedState() {
        try (SeededRandom r = new SeededRandom(ComputeDevice.CPU, 5)) {
            uniform(r, 10); // advance past the seed's start
            float[] replayed;
            float[] original;
            try (Tensor state = r.state()) {
                assertEquals(DType.U8, Tensors.dtype(state));
                assertTrue(state.is_cpu());
                original = uniform(r, 32);
                assertFalse(Arrays.equals(original, uniform(r, 32)), "the stream moves on");
                r.restore(state);
                replayed = uniform(r, 32);
            }
            assertArrayEquals(original, replayed);
        }
    }

    @Test
    void shouldReplayOnAFreshGeneratorFromAnotherOnesState() {
        try (SeededRandom r = new SeededRandom(ComputeDevice.CPU, 5);
                SeededRandom other = new SeededRandom(ComputeDevice.CPU, 99)) {
            normal(r, 3);
            try (Tensor state = r.state()) {
                other.restore(state);
            }
            assertArrayEquals(normal(r, 16), normal(other, 16));
        }
    }
}
