package dev.troupe.learner.algo;

import dev.troupe.tensor.Owned;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * Truncated importance sampling (TIS, <a href="https://fengyao.notion.site/off-policy-rl">Yao et
 * al.</a>) for the gap between the log-probabilities the rollout sampled with and those the learner
 * computes for the same tokens and weights (different kernels, batch shapes or precisions give
 * different numbers): {@code w = min(exp(logp_learner_old - logp_rollout), cap)}, no gradient.
 */
public final class ImportanceSampling {
    private ImportanceSampling() {}

    /** The weights and how far apart the two were. */
    public record Result(
            Tensor weights, double meanAbsLogGap, double maxAbsLogGap, double truncatedFraction) {}

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
        double meanGap;
        double maxGap;
        double truncated;
        try (PointerScope scope = new PointerScope()) {
            Tensor gap = learnerOldLogProbs.sub(rolloutLogProbs).detach();
            Tensor raw = gap.exp();
            weights =
                    Owned.keep(
                            raw.clamp(new ScalarOptional(), new ScalarOptional(new Scalar(cap))));
            Tensor absGap = gap.abs().mul(mask);
            meanGap = PolicyLoss.maskedMean(gap.abs(), mask);
            maxGap = dev.troupe.tensor.Tensors.item(absGap.max());
            truncated = PolicyLoss.maskedMean(raw.gt(new Scalar(cap)), mask);
        }
        return new Result(Owned.toCaller(weights), meanGap, maxGap, truncated);
    }
}
