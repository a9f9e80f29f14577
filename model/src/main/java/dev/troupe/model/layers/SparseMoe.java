package dev.troupe.model.layers;

import dev.troupe.model.config.HiddenAct;
import dev.troupe.model.config.MoeSpec;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.model.lora.LoraWeights;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The sparse MoE block (see {@link MoeSpec} for the routing formula). This is the reference
 * implementation, in the order of transformers' eager {@code Experts.forward}: a loop over the
 * experts that received tokens, each gathering its tokens, applying its gated MLP, scaling by the
 * routing weight and scattering back with {@code index_add_}.
 */
public final class SparseMoe {
    private SparseMoe() {}

    /**
     * @param x (B, T, hidden)
     * @return (B, T, hidden)
     */
    public static Tensor forward(
            Tensor x,
            MoeWeights w,
            MoeSpec moe,
            HiddenAct act,
            int layer,
            LoraLookup lora,
            boolean training) {
        long hidden = x.size(-1);
        Tensor flat = x.reshape(-1, hidden); // (N, H)
        Routing routing = route(flat, w.router(), moe);
        Tensor out = routedExperts(flat, w, moe, act, routing, layer, lora, training);
        if (w.shared() != null) {
            Tensor shared =
                    Mlp.forward(
                            flat, w.shared(), act, layer, Projection.SHARED_GATE, lora, training);
            Tensor gate =
                    Adapted.linear(
                            flat,
                            w.sharedGate(),
                            lora,
                            layer,
                            Projection.SHARED_EXPERT_GATE,
                            training);
            out = out.add(torch.sigmoid(gate).mul(shared));
        }
        return out.view(x.size(0), x.size(1), hidden);
    }

    /**
     * Router decisions for each token.
     *
     * @param weights (N, k) routing weights (fp32, or the activation dtype for Qwen)
     * @param experts (N, k) int64 expert ids
     */
    public record Routing(Tensor weights, Tensor experts) {}

    /** {@code softmax(x Wr^T)} in fp32, top-k, optional renormalisation. */
    public static Routing route(Tensor flat, Tensor router, MoeSpec moe) {
        Tensor logits = torch.linear(flat, router); // (N, E)
        Tensor probs = Ops.softmaxF32(logits, -1);
        T_TensorTensor_T top = torch.topk(probs, moe.topK());
        Tensor weights = top.get0();
        Tensor experts = top.get1();
        if (moe.normTopkProb()) {
            weights = weights.div(Ops.sumLast(weights));
        }
        if (!moe.routerWeightsInFp32()) {
            weights = weights.to(logits.scalar_type());
        }
        return new Routing(weights, experts);
    }

    private static Tensor routedExperts(
            Tensor flat,
            MoeWeights w,
            MoeSpec moe,
            HiddenAct act,
            Routing routing,
            int layer,
            LoraLookup lora,
            boolean training) {
        LoraWeights gateUpLora = lora.get(layer, Projection.EXPERTS_GATE_UP);
        LoraWeights downLora = lora.get(layer, Projection.EXPERTS_DOWN);
        Tensor out = torch.zeros_like(flat);
        long inter = w.gateUp().size(1) / 2;
        // Tokens per expert, read once to the host to know which experts to run.
        long[] counts =
                Tensors.toLongs(
                        torch.bincount(
                                routing.experts().flatten(),
                                new TensorOptional(),
                                moe.numExperts()));
        Tensor expertIds = routing.experts();
        Tensor flatWeights = routing.weights().flatten(); // (N k)
        long k = expertIds.size(1);
        for (int e = 0; e < moe.numExperts(); e++) {
            if (counts[e] == 0) {
                continue;
            }
            // (N, k) positions routed to e -> token index and slot index.
            TensorVector where = torch.where(expertIds.eq(Ops.s((long) e)));
            Tensor tokenIdx = where.get(0);
            Tensor slotIdx = where.get(1);
            Tensor current = flat.index_select(0, tokenIdx);
            Tensor gu = Adapted.expertLinear(current, w.gateUp(), e, gateUpLora, training);
            Tensor gate = gu.narrow(-1, 0, inter);
            Tensor up = gu.narrow(-1, inter, inter);
            Tensor h = Mlp.activate(gate, act).mul(up);
            h = Adapted.expertLinear(h, w.down(), e, downLora, training);
            Tensor weight =
                    flatWeights.index_select(0, tokenIdx.mul(Ops.s(k)).add(slotIdx)).unsqueeze(-1);
            h = h.mul(weight);
            out =
                    torch.index_add(
                            out, 0, tokenIdx, Ops.to(h, DType.fromScalarType(out.scalar_type())));
        }
        return out;
    }
}
