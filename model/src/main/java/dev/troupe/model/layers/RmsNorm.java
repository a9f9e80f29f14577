package dev.troupe.model.layers;

import dev.troupe.tensor.DType;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Root-mean-square layer norm (<a href="https://arxiv.org/abs/1910.07467">Zhang &amp; Sennrich
 * 2019</a>): {@code y = w * (x / sqrt(mean(x^2) + eps))}, with the statistics in fp32 and the
 * normalised value cast back to the input dtype before the weight is applied, in transformers'
 * order so bf16 results match bit for bit.
 */
public final class RmsNorm {
    private RmsNorm() {}

    /**
     * @param x (..., d) activations
     * @param weight (d) scale
     * @param eps added to the mean square
     * @return (..., d) in {@code weight}'s dtype promotion with {@code x}'s dtype
     */
    public static Tensor apply(Tensor x, Tensor weight, double eps) {
        DType inputType = DType.fromScalarType(x.scalar_type());
        Tensor h = Ops.to(x, DType.F32);
        Tensor variance = Ops.meanLast(h.pow(Ops.s(2.0)));
        Tensor normed = h.mul(variance.add(Ops.s(eps)).rsqrt());
        return weight.mul(Ops.to(normed, inputType));
    }

    /**
     * {@link #apply}, or with {@code fused} libtorch's single-kernel RMSNorm: the same formula
     * computed in fp32 and rounded once (transformers' order rounds the normalised value before the
     * weight), so bf16 results may differ in the last bit.
     */
    public static Tensor apply(Tensor x, Tensor weight, double eps, boolean fused) {
        if (!fused) {
            return apply(x, weight, eps);
        }
        return torch.rms_norm(
                x, new long[] {x.size(-1)}, new TensorOptional(weight), new DoubleOptional(eps));
    }
}
