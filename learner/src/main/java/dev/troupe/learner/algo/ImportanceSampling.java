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
 * Truncated importance sampling (TIS, <a href="https://fengyao.notion.site/off-policy-rl">Yao et
 * al.</a>) for the gap between the log-probabilities the rollout sampled with and those the learner
 * computes for the same tokens and weights (different kernels, batch shapes or precisions give
 * different numbers): {@code w = min(exp(logp_learner_old - logp_rollout), cap)}, no gradient.
 */
public final class ImportanceSampling {
    private ImportanceSampling() {}

    /**
     * The weights and how far apart the two were: {@code gaps} (3) fp32 on the device holds the
     * mean and the max absolute log gap and the truncated fraction (read only when asked, so the
     * caller need not wait for the GPU).
     */
    public record Result(Tensor weights, Tensor gaps) {
        public double meanAbsLogGap() {
            return Tensors.toFloats(gaps)[0];
        }

        public double maxAbsLogGap() {
            return Tensors.toFloats(gaps)[1];
        }

        public double truncatedFraction() {
            return Tensors.toFloats(gaps)[2];
        }
    }

    /**
     * @param learnerOldLogProbs (B, T) the learner's log-probabilities before the update
     * @param rolloutLogProbs (B, T) the behaviour log-probabilities from the rollout
     * @param mask (B, T) fp32 completion mask
     * @param cap upper bound of a weight (e.g. 2)
     */
    public static Result truncated(
            Tensor learnerOldLogProbs, Tensor rolloutLogProbs, Tensor mask, double cap) {
        if (!(cap > 0)) {
            throw new IllegalArgumentException("importance-sampling cap must be > 0, got " + cap);
        }
        Tensor weights;
        Tensor gaps;
        try (PointerScope scope = new PointerScope()) {
            Tensor gap = learnerOldLogProbs.sub(rolloutLogProbs).detach();
            Tensor raw = gap.exp();
            weights =
                    Owned.keep(
                            raw.clamp(new ScalarOptional(), new ScalarOptional(new Scalar(cap))));
            Tensor absGap = gap.abs().mul(mask);
            gaps =
                    Owned.keep(
                            torch.stack(
                                    new TensorVector(
                                            PolicyLoss.maskedMeanOnDevice(gap.abs(), mask),
                                            absGap.max().to(mask.scalar_type()),
                                            PolicyLoss.maskedMeanOnDevice(
                                                    raw.gt(new Scalar(cap)), mask))));
        }
        return new Result(Owned.toCaller(weights), Owned.toCaller(gaps));
    }
}
