package dev.troupe.model.lora;

import dev.troupe.model.DecoderModel;
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
 * An adapter folded into copies of the weights it adapts ({@code W + scaling * B A}, the delta in
 * fp32, rounded once to the base dtype, as {@link LoraMerge} exports it), for generation: each
 * adapted linear map is then one matrix product instead of the base product plus the low-rank path
 * (six kernels per map, a thousand per decode step of a 24-layer model). What vLLM-based GRPO
 * stacks do when they merge LoRA into the rollout engine's weights. Costs a copy of every adapted
 * weight; the rollout's log-probs then differ from the learner's unmerged ones by the rounding of
 * the merge (importance sampling corrects for it, and the gap is a metric).
 *
 * <p>Routed-expert parameters stay unmerged (the lookup hands their update on as is).
 */
public final class MergedLora implements LoraLookup, AutoCloseable {
    private final LoraLookup adapter;
    private final List<Map<Projection, Tensor>> merged;
    private final Tensor lmHead;

    private MergedLora(LoraLookup adapter, int layers) {
        this.adapter = adapter;
        this.merged = new ArrayList<>(layers);
        this.lmHead = null;
        for (int l = 0; l < layers; l++) {
            merged.add(new EnumMap<>(Projection.class));
        }
    }

    private MergedLora(LoraLookup adapter, List<Map<Projection, Tensor>> merged, Tensor lmHead) {
        this.adapter = adapter;
        this.merged = merged;
        this.lmHead = lmHead;
    }

    /** Folds {@code adapter} into copies of {@code model}'s weights (the model is unchanged). */
    public static MergedLora of(DecoderModel model, LoraLookup adapter) {
        int layers = model.spec().numLayers();
        MergedLora empty = new MergedLora(adapter, layers);
        Tensor head = null;
        try (NoGrad ng = new NoGrad()) {
            for (int l = 0; l < layers; l++) {
                for (Projection p : Projection.values()) {
                    LoraWeights w = adapter.get(l, p);
                    if (w == null || p.isExpertParameter() || !model.hasProjection(l, p)) {
                        continue;
                    }
                    empty.merged.get(l).put(p, mergedCopy(model.baseWeight(l, p), w));
                }
            }
            if (adapter.lmHead() != null) {
                head = mergedCopy(model.lmHeadWeight(), adapter.lmHead());
            }
        } catch (RuntimeException e) {
            empty.close();
            throw e;
        }
        return new MergedLora(adapter, empty.merged, head);
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
    public void close() {
        for (Map<Projection, Tensor> m : merged) {
            for (Tensor t : m.values()) {
                Owned.release(t);
            }
            m.clear();
        }
        if (lmHead != null) {
            Owned.release(lmHead);
        }
    }
}
