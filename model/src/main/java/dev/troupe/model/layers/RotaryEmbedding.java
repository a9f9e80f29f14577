package dev.troupe.model.layers;

import dev.troupe.model.config.RopeSpec;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Owned;
import dev.troupe.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * Rotary position embedding for one model: inverse frequencies on the device, and the rotation of q
 * and k. See {@link RopeSpec} for the scalings. cos/sin are computed in fp32 from the position ids
 * and cast to the activation dtype, as transformers does.
 */
public final class RotaryEmbedding implements AutoCloseable {
    /** (head_dim / 2) fp32 inverse frequencies. */
    private final Tensor invFreq;

    private final double attentionScaling;

    public RotaryEmbedding(RopeSpec rope, int headDim, ComputeDevice device) {
        this.attentionScaling = rope.attentionScaling();
        try (Tensor host = Tensors.fromFloats(rope.inverseFrequencies(headDim), headDim / 2);
                var dev = device.torchDevice()) {
            this.invFreq = Owned.keep(host.to(dev, DType.F32.scalarType()));
        }
    }

    /**
     * cos and sin for each position, sin with its first half negated: {@code rotate_half(x) * sin}
     * is then {@code cat(x2, x1) * sin'}, the same products (a sign flip is exact) with one kernel
     * fewer per rotation, and the negation done once per forward pass instead of once per layer.
     *
     * @param positionIds (B, T) int64
     * @param dtype the activation dtype
     * @return {cos, sin'}, each (B, T, head_dim)
     */
    public Tensor[] cosSin(Tensor positionIds, DType dtype) {
        // (B, T, 1) * (D/2) -> (B, T, D/2): a single product per element, as HF's K=1 matmul.
        Tensor freqs = Ops.to(positionIds, DType.F32).unsqueeze(-1).mul(invFreq);
        Tensor emb = Ops.cat(-1, freqs, freqs);
        Tensor cos = emb.cos();
        Tensor sin = emb.sin();
        if (attentionScaling != 1.0) {
            cos = Ops.mul(cos, attentionScaling);
            sin = Ops.mul(sin, attentionScaling);
        }
        Tensor s = Ops.to(sin, dtype);
        long half = s.size(-1) / 2;
        Tensor signed = Ops.cat(-1, s.narrow(-1, 0, half).neg(), s.narrow(-1, half, half));
        return new Tensor[] {Ops.to(cos, dtype), signed};
    }

    /**
     * Rotates {@code x} (B, heads, T, D) by position: {@code x * cos + rotate_half(x) * sin}, in
     * transformers' order of bf16 roundings.
     *
     * @param cos (B, T, D)
     * @param signedSin (B, T, D), sin with its first half negated ({@link #cosSin})
     */
    public static Tensor apply(Tensor x, Tensor cos, Tensor signedSin) {
        long half = x.size(-1) / 2;
        Tensor swapped = Ops.cat(-1, x.narrow(-1, half, half), x.narrow(-1, 0, half));
        return x.mul(cos.unsqueeze(1)).add(swapped.mul(signedSin.unsqueeze(1)));
    }

    public Tensor inverseFrequencies() {
        return invFreq;
    }

    public double attentionScaling() {
        return attentionScaling;
    }

    @Override
    public void close() {
        Owned.release(invFreq);
    }
}
