package dev.troupe.model.layers;

import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.lora.LoraLookup;
import org.bytedeco.pytorch.Tensor;

/**
 * Multi-head self-attention with grouped-query heads, optional q/k RMSNorm (Qwen3), RoPE, and a KV
 * cache: {@code softmax(q k^T / sqrt(d) + mask) v} per head, through libtorch's fused scaled
 * dot-product attention.
 */
public final class Attention {
    private Attention() {}

    /**
     * @param x (B, T, hidden) normed input
     * @param cosSin RoPE tables for the T positions, each (B, T, head_dim)
     * @param mask (B, 1, T, S) bool, S = past + T; null for plain causal attention over the T
     *     positions (no past)
     * @param cache the layer's KV cache, or null (then S = T)
     * @return (B, T, hidden)
     */
    public static Tensor forward(
            Tensor x,
            LayerWeights w,
            DecoderSpec spec,
            int layer,
            Tensor[] cosSin,
            Tensor mask,
            KvCache cache,
            LoraLookup lora,
            boolean training) {
        long b = x.size(0);
        long t = x.size(1);
        int d = spec.headDim();
        Tensor q;
        Tensor k;
        Tensor v;
        Linear qkv = lora.fusedQkv(layer);
        boolean roped = false;
        if (qkv != null) {
            // One product for the three maps; q, k, v are column ranges of its output.
            Tensor all = Ops.linear(x, qkv);
            long qWidth = (long) spec.numHeads() * d;
            long kvWidth = (long) spec.numKvHeads() * d;
            v = all.narrow(-1, qWidth + kvWidth, kvWidth).view(b, t, -1, d);
            if (w.qNorm() == null) {
                // q and k heads side by side: one rotation for both (the same products).
                Tensor qk =
                        RotaryEmbedding.apply(
                                all.narrow(-1, 0, qWidth + kvWidth)
                                        .view(b, t, -1, d)
                                        .transpose(1, 2),
                                cosSin[0],
                                cosSin[1]);
                q = qk.narrow(1, 0, spec.numHeads());
                k = qk.narrow(1, spec.numHeads(), spec.numKvHeads());
                roped = true;
            } else {
                q = all.narrow(-1, 0, qWidth).view(b, t, -1, d);
                k = all.narrow(-1, qWidth, kvWidth).view(b, t, -1, d);
            }
        } else {
            q = Adapted.linear(x, w.q(), lora, layer, Projection.Q, training).view(b, t, -1, d);
            k = Adapted.linear(x, w.k(), lora, layer, Projection.K, training).view(b, t, -1, d);
            v = Adapted.linear(x, w.v(), lora, layer, Projection.V, training).view(b, t, -1, d);
        }
        if (w.qNorm() != null) {
            q = RmsNorm.apply(q, w.qNorm(), spec.rmsNormEps(), lora.fusedNorm());
            k = RmsNorm.apply(k, w.kNorm(), spec.rmsNormEps(), lora.fusedNorm());
        }
        if (!roped) {
            q = RotaryEmbedding.apply(q.transpose(1, 2), cosSin[0], cosSin[1]);
            k = RotaryEmbedding.apply(k.transpose(1, 2), cosSin[0], cosSin[1]);
        }
        v = v.transpose(1, 2);
        if (cache != null) {
            Tensor[] kv = cache.write(layer, k, v);
            k = kv[0];
            v = kv[1];
        }
        Tensor o;
        if (t == 1 && spec.numHeads() != spec.numKvHeads()) {
            // One query position with grouped heads: the query heads of a group stand in for
            // query positions of its key/value head, (B, kv, heads/kv, D), so the fused kernel
            // reads each cached key and value once instead of once per query head (GQA's
            // expansion). Same result; the mask (B, 1, 1, S) broadcasts over the group.
            long kvHeads = spec.numKvHeads();
            Tensor grouped = q.reshape(b, kvHeads, spec.numHeads() / kvHeads, d);
            o = Ops.attention(grouped, k, v, mask, false, 1.0 / Math.sqrt(d), false);
            o = o.reshape(b, 1, -1);
        } else {
            o =
                    Ops.attention(
                            q,
                            k,
                            v,
                            mask,
                            mask == null && t > 1,
                            1.0 / Math.sqrt(d),
                            spec.numHeads() != spec.numKvHeads());
            o = o.transpose(1, 2).reshape(b, t, -1);
        }
        return Adapted.linear(o, w.o(), lora, layer, Projection.O, training);
    }
}
