package dev.troupe.model.layers;

import dev.troupe.model.lora.LoraLookup;
import dev.troupe.model.lora.LoraWeights;
import dev.troupe.tensor.DType;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Linear maps with an optional LoRA update, computed as PEFT computes them: {@code y = x W^T + b +
 * scaling * B(A(dropout(x)))}, the base and the low-rank path kept apart so gradients reach only
 * {@code A} and {@code B}.
 */
public final class Adapted {
    private Adapted() {}

    /**
     * @param x (..., in)
     * @param base frozen weight
     * @param lora the update, or null
     * @param training whether LoRA dropout is active
     * @return (..., out)
     */
    public static Tensor linear(Tensor x, Linear base, LoraWeights lora, boolean training) {
        return linear(x, base, lora, training, false);
    }

    /**
     * As above; with {@code autocast} ({@link LoraLookup#autocast}) and half-precision activations
     * the low-rank products run in the activations' dtype: {@code u = x A^T} reads the same {@code
     * x} the base product saved for backward (no fp32 copy), and {@code y + scaling u B^T} is one
     * {@code addmm}, the sum accumulated in fp32 inside the product and rounded once.
     */
    public static Tensor linear(
            Tensor x, Linear base, LoraWeights lora, boolean training, boolean autocast) {
        Tensor y = Ops.linear(x, base);
        if (lora == null) {
            return y;
        }
        if (autocast
                && !DType.same(x.scalar_type(), lora.a().scalar_type())
                && DType.fromScalarType(x.scalar_type()).isHalf()) {
            Tensor u = torch.linear(dropout(x, lora, training), lora.a().to(x.scalar_type()));
            long out = y.size(-1);
            long r = u.size(-1);
            return torch.addmm(
                            y.reshape(-1, out),
                            u.reshape(-1, r),
                            lora.b().to(x.scalar_type()).t(),
                            Ops.s(1.0),
                            Ops.s(lora.scaling()))
                    .view(y.sizes());
        }
        return addInDtypeOf(y, lowRank(x, lora.a(), lora.b(), lora, training));
    }

    /**
     * A layer's projection under {@code lora}: the merged weight if the lookup folded the update in
     * ({@link LoraLookup#merged}), else the base weight plus the update on the side.
     */
    public static Tensor linear(
            Tensor x,
            Linear base,
            LoraLookup lora,
            int layer,
            Projection projection,
            boolean training) {
        Tensor merged = lora.merged(layer, projection);
        if (merged != null) {
            return Ops.linear(x, merged, base.bias());
        }
        return linear(x, base, lora.get(layer, projection), training, lora.autocast());
    }

    /** {@code y + delta} computed in the promoted dtype, then cast back to y's (PEFT's order). */
    private static Tensor addInDtypeOf(Tensor y, Tensor delta) {
        Tensor sum = y.add(delta);
        return DType.same(sum.scalar_type(), y.scalar_type()) ? sum : sum.to(y.scalar_type());
    }

    /**
     * One expert's slice of a stacked experts parameter with its LoRA update.
     *
     * @param x (n, in) the tokens routed to expert {@code e}
     * @param stacked (E, out, in)
     */
    public static Tensor expertLinear(
            Tensor x, Tensor stacked, int e, LoraWeights lora, boolean training) {
        Tensor y = torch.linear(x, stacked.select(0, e));
        if (lora == null) {
            return y;
        }
        long experts = lora.numExperts();
        long r = lora.rank();
        Tensor aE = lora.a().view(experts, r, lora.a().size(1)).select(0, e); // (r, in)
        Tensor bE = lora.b().view(lora.b().size(0), r, experts).select(2, e); // (out, r)
        return addInDtypeOf(y, lowRank(x, aE, bE, lora, training));
    }

    /** The input of the low-rank path: {@code x} with LoRA dropout while training. */
    private static Tensor dropout(Tensor x, LoraWeights lora, boolean training) {
        return training && lora.dropout() > 0 ? torch.dropout(x, lora.dropout(), true) : x;
    }

    private static Tensor lowRank(
            Tensor x, Tensor a, Tensor b, LoraWeights lora, boolean training) {
        Tensor in = dropout(x, lora, training);
        if (!DType.same(in.scalar_type(), a.scalar_type())) {
            in = in.to(a.scalar_type());
        }
        return Ops.mul(torch.linear(torch.linear(in, a), b), lora.scaling());
    }
}
