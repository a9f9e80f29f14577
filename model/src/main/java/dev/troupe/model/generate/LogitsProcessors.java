package dev.troupe.model.generate;

import dev.troupe.model.layers.Ops;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The logit warpers of sampling, with transformers' semantics (its {@code TemperatureLogitsWarper},
 * {@code TopKLogitsWarper}, {@code TopPLogitsWarper}), applied in that order. Pure functions: each
 * returns a new (B, V) tensor and leaves its input alone.
 */
public final class LogitsProcessors {
    private LogitsProcessors() {}

    /** {@code scores / t}. */
    public static Tensor temperature(Tensor scores, double t) {
        if (!(t > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + t);
        }
        return scores.div(Ops.s(t));
    }

    /**
     * Keeps the {@code k} highest scores (ties with the k-th included) and sets the rest to -inf.
     */
    public static Tensor topK(Tensor scores, int k) {
        if (k <= 0) {
            throw new IllegalArgumentException("top_k must be > 0, got " + k);
        }
        long kk = Math.min(k, scores.size(-1));
        T_TensorTensor_T top = torch.topk(scores, kk);
        Tensor kth = top.get0().narrow(-1, kk - 1, 1);
        return scores.masked_fill(scores.lt(kth), Ops.s(Double.NEGATIVE_INFINITY));
    }

    /**
     * Nucleus filtering (<a href="https://arxiv.org/abs/1904.09751">Holtzman et al.</a>): sorts
     * ascending, removes tokens whose cumulative probability is at most {@code 1 - p}, always keeps
     * the most likely token.
     */
    public static Tensor topP(Tensor scores, double p) {
        if (!(p > 0) || p > 1) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + p);
        }
        T_TensorTensor_T sorted = torch.sort(scores, -1, false);
        Tensor sortedLogits = sorted.get0();
        Tensor sortedIndices = sorted.get1();
        Tensor cumulative = torch.softmax(sortedLogits, -1).cumsum(-1);
        Tensor removeSorted = cumulative.le(Ops.s(1 - p));
        long v = scores.size(-1);
        removeSorted.narrow(-1, v - 1, 1).fill_(Ops.s(0L));
        Tensor remove = removeSorted.scatter(-1, sortedIndices, removeSorted);
        return scores.masked_fill(remove, Ops.s(Double.NEGATIVE_INFINITY));
    }
}
