package dev.troupe.model.lora;

import dev.troupe.model.DecoderModel;
import dev.troupe.model.layers.Linear;
import dev.troupe.model.layers.Ops;
import dev.troupe.model.layers.Projection;
import dev.troupe.tensor.NoGrad;
import dev.troupe.tensor.Owned;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * An adapter folded into inference copies of the weights, for generation: every adapted weight
 * becomes {@code W + scaling * B A} (the delta in fp32, rounded once to the base dtype, as {@link
 * LoraMerge} exports it), so each linear map is one matrix product instead of the base product plus
 * the low-rank path (six kernels per map, a thousand per decode step of a 24-layer model); a
 * layer's q, k, v maps and its gate and up maps are each stacked into one product, and RMSNorm runs
 * as one fused kernel. What vLLM-based GRPO stacks do when they merge LoRA into the rollout
 * engine's weights. Costs a copy of the attention and MLP weights; the rollout's log-probs then
 * differ from the learner's unmerged ones by the merge's and the fused norm's rounding (importance
 * sampling corrects for it, and the gap is a metric).
 *
 * <p>Routed-expert parameters stay unmerged (the lookup hands their update on as is).
 */
public final class MergedLora implements LoraLookup, AutoCloseable {
    private final LoraLookup adapter;

    /** Per layer: merged weights (views into the stacked ones for q/k/v and gate/up). */
    private final List<Map<Projection, Tensor>> merged = new ArrayList<>();

    private final List<Linear> qkv = new ArrayList<>();
    private final List<Tensor> gateUp = new ArrayList<>();
    private Tensor lmHead;

    private MergedLora(LoraLookup adapter) {
        this.adapter = adapter;
    }

    /** Folds {@code adapter} into copies of {@code model}'s weights (the model is unchanged). */
    public static MergedLora of(DecoderModel model, LoraLookup adapter) {
        MergedLora m = new MergedLora(adapter);
        try (NoGrad ng = new NoGrad()) {
            for (int l = 0; l < model.spec().numLayers(); l++) {
                m.addLayer(model, l);
            }
            if (adapter.lmHead() != null) {
                m.lmHead = mergedCopy(model.lmHeadWeight(), adapter.lmHead());
            }
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    private void addLayer(DecoderModel model, int l) {
        Map<Projection, Tensor> layer = new EnumMap<>(Projection.class);
        merged.add(layer);
        for (Projection p : Projection.values()) {
            LoraWeights w = adapter.get(l, p);
            if (w != null && !p.isExpertParameter() && model.hasProjection(l, p)) {
                layer.put(p, mergedCopy(model.baseWeight(l, p), w));
            }
        }
        qkv.add(stack(model, l, layer, Projection.Q, Projection.K, Projection.V)); // may be null
        Linear gu =
                model.hasProjection(l, Projection.GATE)
                        ? stack(model, l, layer, Projection.GATE, Projection.UP)
                        : null;
        gateUp.add(gu == null ? null : gu.weight());
    }

    /**
     * Stacks the (merged or base) weights of {@code ps} into one, rows in order, and replaces the
     * merged ones by views into it; biases stacked too if the first has one.
     */
    private static Linear stack(
            DecoderModel model, int l, Map<Projection, Tensor> layer, Projection... ps) {
        Tensor[] parts = new Tensor[ps.length];
        Tensor[] biases = new Tensor[ps.length];
        for (int i = 0; i < ps.length; i++) {
            Tensor own = layer.get(ps[i]);
            parts[i] = own != null ? own : model.baseWeight(l, ps[i]);
            biases[i] = model.baseBias(l, ps[i]);
        }
        int withBias = 0;
        for (Tensor b : biases) {
            withBias += b != null ? 1 : 0;
        }
        if (withBias != 0 && withBias != ps.length) {
            return null; // some biased, some not: left as separate products
        }
        Tensor weight;
        Tensor bias = null;
        try (PointerScope scope = new PointerScope()) {
            weight = Owned.keep(Ops.cat(0, parts));
            if (biases[0] != null) {
                bias = Owned.keep(Ops.cat(0, biases));
            }
            long row = 0;
            for (int i = 0; i < ps.length; i++) {
                long rows = parts[i].size(0);
                Tensor own = layer.get(ps[i]);
                if (own != null) {
                    Owned.release(own);
                    layer.put(ps[i], Owned.keep(weight.narrow(0, row, rows)));
                }
                row += rows;
            }
        }
        return new Linear(weight, bias);
    }

    private static Tensor mergedCopy(Tensor base, LoraWeights w) {
        Tensor out;
        try (PointerScope scope = new PointerScope()) {
            out = Owned.keep(LoraMerge.merged(base, w));
        }
        return out;
    }

    /** The update still applied on the side: only for weights that were not merged. */
    @Override
    public LoraWeights get(int layer, Projection projection) {
        return merged.get(layer).containsKey(projection) ? null : adapter.get(layer, projection);
    }

    @Override
    public LoraWeights lmHead() {
        return lmHead != null ? null : adapter.lmHead();
    }

    @Override
    public Tensor merged(int layer, Projection projection) {
        return merged.get(layer).get(projection);
    }

    @Override
    public Tensor mergedLmHead() {
        return lmHead;
    }

    @Override
    public Linear fusedQkv(int layer) {
        return qkv.get(layer);
    }

    @Override
    public Tensor fusedGateUp(int layer) {
        return gateUp.get(layer);
    }

    @Override
    public boolean fusedNorm() {
        return true;
    }

    @Override
    public void close() {
        for (Map<Projection, Tensor> m : merged) {
            for (Tensor t : m.values()) {
                Owned.release(t);
            }
            m.clear();
        }
        for (Linear l : qkv) {
            if (l == null) {
                continue;
            }
            Owned.release(l.weight());
            if (l.bias() != null) {
                Owned.release(l.bias());
            }
        }
        qkv.clear();
        for (Tensor t : gateUp) {
            if (t != null) {
                Owned.release(t);
            }
        }
        gateUp.clear();
        if (lmHead != null) {
            Owned.release(lmHead);
            lmHead = null;
        }
    }
}
