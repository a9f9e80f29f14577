package dev.troupe.learner.algo;

import dev.troupe.tensor.Owned;
import dev.troupe.tensor.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The clipped surrogate of PPO (<a href="https://arxiv.org/abs/1707.06347">Schulman et al.</a>)
 * with separate low and high clip ranges (DAPO's "clip-higher") and dual clipping for negative
 * advantages (<a href="https://arxiv.org/abs/1912.09729">Ye et al.</a>), as veRL's {@code
 * compute_policy_loss}:
 *
 * <pre>
 *   ratio = exp(logp - logp_old)
 *   l1 = -A ratio,  l2 = -A clip(ratio, 1 - eps_low, 1 + eps_high),  l = max(l1, l2)
 *   for A &lt; 0:  l = min(l, -A c)                      (dual clip, c &gt; 1, default 3)
 *   with importance weights w (truncated IS):  l = w l
 * </pre>
 *
 * The per-token loss is then aggregated by a {@link LossAggregation}.
 */
public final class PolicyLoss {
    private PolicyLoss() {}

    /**
     * @param loss scalar, differentiable; null when no aggregation was asked for
     * @param perToken (B, T) the unaggregated loss
     * @param means (3) fp32 on the loss's device: clip fraction (share of real tokens where the
     *     clipped term was taken), lower clip fraction (where dual clipping bound the loss,
     *     negative advantages), approximate KL (mean {@code logp_old - logp} over real tokens, the
     *     drift within the step); a device tensor, so computing the loss does not wait for the GPU
     */
    public record Result(Tensor loss, Tensor perToken, Tensor means) {
        public double clipFraction() {
            return Tensors.toFloats(means)[0];
        }

        public double clipFractionLower() {
            return Tensors.toFloats(means)[1];
        }

        public double approxKl() {
            return Tensors.toFloats(means)[2];
        }
    }

    /**
     * @param logProbs (B, T) current log-probabilities, differentiable
     * @param oldLogProbs (B, T) log-probabilities before this update (no gradient)
     * @param advantages (B, T) advantage per token
     * @param mask (B, T) fp32, 1 for completion tokens
     * @param importanceWeights (B, T) per-token weights, or null for none
     * @param aggregation how {@link Result#loss} aggregates the per-token loss; null to skip it (a
     *     trainer that aggregates micro-batch parts of a larger batch itself)
     */
    public static Result compute(
            Tensor logProbs,
            Tensor oldLogProbs,
            Tensor advantages,
            Tensor mask,
            double clipLow,
            double clipHigh,
            double dualClip,
            Tensor importanceWeights,
            LossAggregation aggregation) {
        if (!(dualClip > 1.0)) {
            throw new IllegalArgumentException("dual clip c must be > 1, got " + dualClip);
        }
        Tensor loss;
        Tensor perToken;
        Tensor means;
        try (PointerScope scope = new PointerScope()) {
            Tensor logRatio = logProbs.sub(oldLogProbs);
            Tensor ratio = logRatio.exp();
            Tensor negA = advantages.neg();
            Tensor l1 = negA.mul(ratio);
            Tensor clipped =
                    ratio.clamp(
                            new ScalarOptional(new Scalar(1.0 - clipLow)),
                            new ScalarOptional(new Scalar(1.0 + clipHigh)));
            Tensor l2 = negA.mul(clipped);
            Tensor clipMax = torch.maximum(l1, l2);
            Tensor l3 = negA.mul(new Scalar(dualClip));
            Tensor dual = torch.minimum(l3, clipMax);
            Tensor negative = advantages.lt(new Scalar(0.0));
            Tensor tokens = torch.where(negative, dual, clipMax);
            if (importanceWeights != null) {
                tokens = tokens.mul(importanceWeights);
            }
            perToken = Owned.keep(tokens);
            loss = aggregation == null ? null : Owned.keep(aggregation.apply(tokens, mask));
            means =
                    Owned.keep(
                            torch.stack(
                                    new TensorVector(
                                            maskedMeanOnDevice(l2.gt(l1), mask),
                                            maskedMeanOnDevice(
                                                    clipMax.gt(l3).logical_and(negative), mask),
                                            maskedMeanOnDevice(logRatio.neg().detach(), mask))));
        }
        return new Result(
                loss == null ? null : Owned.toCaller(loss),
                Owned.toCaller(perToken),
                Owned.toCaller(means));
    }

    /** {@link #maskedMean} as a 0-dim tensor on the inputs' device (no wait for the GPU). */
    public static Tensor maskedMeanOnDevice(Tensor x, Tensor mask) {
        return x.to(mask.scalar_type())
                .mul(mask)
                .sum()
                .div(mask.sum().add(new Scalar(1e-8)))
                .detach();
    }

    /** {@code sum(x m) / (sum(m) + 1e-8)} as a Java double (veRL's masked_mean). */
    public static double maskedMean(Tensor x, Tensor mask) {
        try (PointerScope scope = new PointerScope()) {
            return Tensors.item(maskedMeanOnDevice(x, mask));
        }
    }
}
