package dev.troupe.learner.algo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** Losses against values computed by hand. */
class LossesTest {
    static Tensor t(float... v) {
        return Tensors.fromFloats(v, 1, v.length);
    }

    static Tensor t2(int rows, float... v) {
        return Tensors.fromFloats(v, rows, v.length / rows);
    }

    @Test
    void shouldAggregateAsVerlNamesTheModes() {
        try (PointerScope scope = new PointerScope()) {
            Tensor loss = t2(2, 1, 2, 3, 4, 5, 6);
            Tensor mask = t2(2, 1, 1, 0, 1, 0, 0);
            assertEquals(7.0 / 3, Tensors.item(LossAggregation.TOKEN_MEAN.apply(loss, mask)), 1e-6);
            assertEquals(
                    (3 + 4) / 2.0,
                    Tensors.item(LossAggregation.SEQ_MEAN_TOKEN_SUM.apply(loss, mask)),
                    1e-6);
            assertEquals(
                    (1.5 + 4) / 2.0,
                    Tensors.item(LossAggregation.SEQ_MEAN_TOKEN_MEAN.apply(loss, mask)),
                    1e-6);
            assertEquals(
                    7.0 / 3,
                    Tensors.item(LossAggregation.SEQ_MEAN_TOKEN_SUM_NORM.apply(loss, mask)),
                    1e-6);
            assertEquals(
                    LossAggregation.SEQ_MEAN_TOKEN_MEAN,
                    LossAggregation.parse("seq-mean-token-mean"));
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class, () -> LossAggregation.parse("mean"));
            assertTrue(e.getMessage().contains("token-mean"), e.getMessage());
        }
    }

    @Test
    void shouldEstimateKlLikeSchulmansApproximations() {
        try (PointerScope scope = new PointerScope()) {
            Tensor logp = t(-1f, -3f);
            Tensor ref = t(-2f, -3f);
            // d = ref - logp = -1, 0
            assertArrayEquals(
                    new float[] {1f, 0f},
                    Tensors.toFloats(KlEstimator.K1.estimate(logp, ref)),
                    1e-6f);
            assertArrayEquals(
                    new float[] {0.5f, 0f},
                    Tensors.toFloats(KlEstimator.K2.estimate(logp, ref)),
                    1e-6f);
            assertArrayEquals(
                    new float[] {(float) (Math.exp(-1) + 1 - 1), 0f},
                    Tensors.toFloats(KlEstimator.K3.estimate(logp, ref)),
                    1e-6f);
            // k3 is clamped at 10 as veRL does.
            assertEquals(10f, Tensors.toFloats(KlEstimator.K3.estimate(t(-20f), t(-2f)))[0], 0f);
            assertEquals(KlEstimator.K3, KlEstimator.parse("low_var_kl"));
        }
    }

    @Test
    void shouldClipTheRatioAndDualClipNegativeAdvantages() {
        try (PointerScope scope = new PointerScope()) {
            Tensor old = t(0f, 0f, 0f, 0f);
            // ratios 1.5, 0.5, 5, 1.1
            Tensor logp =
                    t(
                            (float) Math.log(1.5),
                            (float) Math.log(0.5),
                            (float) Math.log(5),
                            (float) Math.log(1.1));
            logp.set_requires_grad(true);
            Tensor adv = t(1f, -1f, -1f, 1f);
            Tensor mask = t(1f, 1f, 1f, 1f);
            PolicyLoss.Result r =
                    PolicyLoss.compute(
                            logp, old, adv, mask, 0.2, 0.28, 3.0, null, LossAggregation.TOKEN_MEAN);
            // token 1: max(-1.5, -1.28) = -1.28 (clipped high)
            // token 2: max(0.5, 0.8) = 0.8 (clipped low), dual min(3, 0.8) = 0.8
            // token 3: max(5, 1.28) = 5, dual min(3, 5) = 3
            // token 4: max(-1.1, -1.1) = -1.1
            assertArrayEquals(
                    new float[] {-1.28f, 0.8f, 3f, -1.1f}, Tensors.toFloats(r.perToken()), 1e-5f);
            assertEquals((-1.28 + 0.8 + 3 - 1.1) / 4, Tensors.item(r.loss()), 1e-5);
            assertEquals(2.0 / 4, r.clipFraction(), 1e-6);
            assertEquals(1.0 / 4, r.clipFractionLower(), 1e-6);
            // Clipped tokens carry no gradient; token 4 does: d(-A ratio)/d logp = -A ratio = -1.1
            // / 4.
            r.loss().backward();
            float[] g = Tensors.toFloats(logp.grad());
            assertArrayEquals(new float[] {0f, 0f, 0f, -1.1f / 4}, g, 1e-6f);
        }
    }

    @Test
    void shouldWeightTokensByTruncatedImportanceRatios() {
        try (PointerScope scope = new PointerScope()) {
            Tensor learner = t((float) Math.log(3), 0f, (float) Math.log(0.5));
            Tensor rollout = t(0f, 0f, 0f);
            Tensor mask = t(1f, 1f, 0f);
            ImportanceSampling.Result r = ImportanceSampling.truncated(learner, rollout, mask, 2.0);
            assertArrayEquals(new float[] {2f, 1f, 0.5f}, Tensors.toFloats(r.weights()), 1e-6f);
            assertEquals(Math.log(3) / 2, r.meanAbsLogGap(), 1e-6);
            assertEquals(Math.log(3), r.maxAbsLogGap(), 1e-6);
            assertEquals(0.5, r.truncatedFraction(), 1e-6);
        }
    }
}
