package dev.troupe.model.layers;

import dev.troupe.tensor.DType;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Terse wrappers over libtorch calls whose Java signatures need optional and scalar boxes. Meant to
 * run inside a {@link org.bytedeco.javacpp.PointerScope}: every handle they create belongs to it.
 */
public final class Ops {
    private Ops() {}

    public static Scalar s(double v) {
        return new Scalar(v);
    }

    public static Scalar s(long v) {
        return new Scalar(v);
    }

    /** {@code x W^T (+ b)}. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return bias == null
                ? torch.linear(x, weight)
                : torch.linear(x, weight, new TensorOptional(bias));
    }

    public static Tensor linear(Tensor x, Linear l) {
        return linear(x, l.weight(), l.bias());
    }

    public static Tensor mul(Tensor x, double v) {
        return x.mul(s(v));
    }

    /** Mean over the last dimension, keeping it. */
    public static Tensor meanLast(Tensor x) {
        return x.mean(new long[] {-1}, true, new ScalarTypeOptional());
    }

    /** Sum over the last dimension, keeping it. */
    public static Tensor sumLast(Tensor x) {
        return x.sum(new long[] {-1}, true, new ScalarTypeOptional());
    }

    public static Tensor softmaxF32(Tensor x, long dim) {
        return torch.softmax(x, dim, new ScalarTypeOptional(DType.F32.scalarType()));
    }

    public static Tensor logSoftmaxF32(Tensor x, long dim) {
        return torch.log_softmax(x, dim, new ScalarTypeOptional(DType.F32.scalarType()));
    }

    public static Tensor to(Tensor x, DType dtype) {
        return x.to(dtype.scalarType());
    }

    public static Tensor cat(long dim, Tensor... parts) {
        return torch.cat(new TensorVector(parts), dim);
    }

    /**
     * Scaled dot-product attention with a boolean mask (true = attend) or, with {@code causal},
     * libtorch's own causal masking (queries and keys at the same positions; no mask then), and
     * optional GQA.
     */
    public static Tensor attention(
            Tensor q,
            Tensor k,
            Tensor v,
            Tensor boolMask,
            boolean causal,
            double scale,
            boolean gqa) {
        return torch.scaled_dot_product_attention(
                q,
                k,
                v,
                boolMask == null ? new TensorOptional() : new TensorOptional(boolMask),
                0.0,
                causal,
                new DoubleOptional(scale),
                gqa);
    }

    /** Backpropagates {@code grad} (shaped as {@code y}) from {@code y}, freeing its graph. */
    public static void backward(Tensor y, Tensor grad) {
        y.backward(grad, new BoolOptional(), false, new TensorArrayRefOptional());
    }
}
