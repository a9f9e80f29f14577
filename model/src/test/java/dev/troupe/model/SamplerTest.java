package dev.troupe.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.troupe.model.generate.GreedySampler;
import dev.troupe.model.generate.RandomSampler;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.SeededRandom;
import dev.troupe.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The samplers' one-call draw ({@code sampleWithLogProbs}) against the two-call one ({@code
 * torch.multinomial}, then a log-softmax): the same tokens for the same seed, the same log-probs,
 * and half-precision scores read as their fp32 values.
 */
class SamplerTest {
    /** (B, V) scores spread like an LM's: a few likely tokens among many unlikely. */
    static Tensor scores(long seed, long b, long v) {
        try (SeededRandom r = new SeededRandom(ComputeDevice.CPU, seed)) {
            return r.normal(0, 3, b, v);
        }
    }

    static void assertSameDraws(double temperature, int topK, double topP, Tensor s) {
        try (PointerScope scope = new PointerScope()) {
            long[] tokens;
            float[] lps;
            try (SeededRandom r = new SeededRandom(ComputeDevice.CPU, 11)) {
                RandomSampler twoCalls = new RandomSampler(temperature, topK, topP, r);
                Tensor t = twoCalls.sample(s);
                tokens = Tensors.toLongs(t);
                lps = Tensors.toFloats(twoCalls.logProbs(s, t));
            }
            try (SeededRandom r = new SeededRandom(ComputeDevice.CPU, 11)) {
                Tensor[] drawn =
                        new RandomSampler(temperature, topK, topP, r).sampleWithLogProbs(s);
                String what = "T=" + temperature + " k=" + topK + " p=" + topP;
                assertArrayEquals(tokens, Tensors.toLongs(drawn[0]), what + " tokens");
                assertArrayEquals(lps, Tensors.toFloats(drawn[1]), 2e-5f, what + " log-probs");
            }
        }
    }

    @Test
    void shouldDrawWhatMultinomialDrawsWithTheSameSeed() {
        try (Tensor s = scores(3, 64, 5000)) {
            for (double t : new double[] {1.0, 0.7}) {
                assertSameDraws(t, 0, 1.0, s);
                assertSameDraws(t, 50, 1.0, s);
                assertSameDraws(t, 0, 0.9, s);
            }
        }
    }

    @Test
    void shouldReadHalfPrecisionScoresAsTheirFp32Values() {
        try (PointerScope scope = new PointerScope()) {
            Tensor half = scores(4, 32, 3000).to(DType.BF16.scalarType());
            Tensor exact = half.to(DType.F32.scalarType());
            for (double t : new double[] {1.0, 0.7}) {
                Tensor[] fromHalf;
                Tensor[] fromFp32;
                try (SeededRandom r = new SeededRandom(ComputeDevice.CPU, 5)) {
                    fromHalf = new RandomSampler(t, 0, 1.0, r).sampleWithLogProbs(half);
                }
                try (SeededRandom r = new SeededRandom(ComputeDevice.CPU, 5)) {
                    fromFp32 = new RandomSampler(t, 0, 1.0, r).sampleWithLogProbs(exact);
                }
                assertArrayEquals(Tensors.toLongs(fromFp32[0]), Tensors.toLongs(fromHalf[0]));
                assertArrayEquals(
                        Tensors.toFloats(fromFp32[1]), Tensors.toFloats(fromHalf[1]), 1e-6f);
                assertEquals(DType.F32, Tensors.dtype(fromHalf[1]));
            }
            Tensor[] greedy = new GreedySampler().sampleWithLogProbs(half);
            assertArrayEquals(
                    Tensors.toLongs(exact.argmax(new org.bytedeco.pytorch.LongOptional(-1), false)),
                    Tensors.toLongs(greedy[0]));
            assertArrayEquals(
                    Tensors.toFloats(
                            torch.log_softmax(exact, -1)
                                    .gather(-1, greedy[0].unsqueeze(-1))
                                    .squeeze(-1)),
                    Tensors.toFloats(greedy[1]),
                    1e-6f);
        }
    }
}
