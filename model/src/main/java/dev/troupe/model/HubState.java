package dev.troupe.model;

import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.config.MoeSpec;
import dev.troupe.model.layers.DenseMlpWeights;
import dev.troupe.model.layers.LayerWeights;
import dev.troupe.model.layers.Linear;
import dev.troupe.model.layers.MoeWeights;
import dev.troupe.model.layers.Projection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A model's weights under the names and in the layout of a Hugging Face hub checkpoint (the one
 * {@link ModelLoader} reads and transformers' {@code save_pretrained} writes): routed experts one
 * by one ({@code mlp.experts.E.gate_proj.weight}, or Mixtral's {@code
 * block_sparse_moe.experts.E.w1.weight}), the LM head omitted when tied.
 */
public final class HubState {
    private HubState() {}

    /**
     * The weights, keyed by hub name. Values are views of the model's tensors (experts are slices
     * of the stacks), valid while the model is open; they belong to the caller's scope.
     */
    public static Map<String, Tensor> of(DecoderModel model) {
        return of(model, (layer, p) -> null, null);
    }

    /** Number of scalars in the model's weights (the tied LM head counted once). */
    public static long parameterCount(DecoderModel model) {
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            long n = 0;
            for (Tensor t : of(model).values()) {
                n += t.numel();
            }
            return n;
        }
    }

    /** Supplies a replacement for a layer's weight, or null to keep the model's. */
    public interface Override {
        Tensor weight(int layer, Projection projection);
    }

    /**
     * The weights with some replaced: {@code override} may return a full replacement for any
     * projection (for experts, the whole (E, out, in) stack), and {@code lmHead} the LM head.
     */
    public static Map<String, Tensor> of(DecoderModel model, Override override, Tensor lmHead) {
        DecoderSpec spec = model.spec();
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("model.embed_tokens.weight", model.embedding());
        for (int i = 0; i < spec.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            LayerWeights w = model.layer(i);
            out.put(p + "input_layernorm.weight", w.inputNorm());
            linear(out, p + "self_attn.q_proj", w.q(), override.weight(i, Projection.Q));
            linear(out, p + "self_attn.k_proj", w.k(), override.weight(i, Projection.K));
            linear(out, p + "self_attn.v_proj", w.v(), override.weight(i, Projection.V));
            linear(out, p + "self_attn.o_proj", w.o(), override.weight(i, Projection.O));
            if (w.qNorm() != null) {
                out.put(p + "self_attn.q_norm.weight", w.qNorm());
                out.put(p + "self_attn.k_norm.weight", w.kNorm());
            }
            out.put(p + "post_attention_layernorm.weight", w.postAttentionNorm());
            if (w.mlp() != null) {
                mlp(out, p + "mlp.", w.mlp(), i, Projection.GATE, override);
            } else {
                moe(out, p, w.moe(), spec.moe(), i, override);
            }
        }
        out.put("model.norm.weight", model.finalNorm());
        if (lmHead != null) {
            out.put("lm_head.weight", lmHead);
        } else if (!spec.tieWordEmbeddings()) {
            out.put("lm_head.weight", model.lmHeadWeight());
        }
        return out;
    }

    private static void linear(
            Map<String, Tensor> out, String module, Linear l, Tensor replacement) {
        out.put(module + ".weight", replacement != null ? replacement : l.weight());
        if (l.bias() != null) {
            out.put(module + ".bias", l.bias());
        }
    }

    private static void mlp(
            Map<String, Tensor> out,
            String prefix,
            DenseMlpWeights m,
            int layer,
            Projection gate,
            Override override) {
        boolean dense = gate == Projection.GATE;
        linear(out, prefix + "gate_proj", m.gate(), override.weight(layer, gate));
        linear(
                out,
                prefix + "up_proj",
                m.up(),
                override.weight(layer, dense ? Projection.UP : Projection.SHARED_UP));
        linear(
                out,
                prefix + "down_proj",
                m.down(),
                override.weight(layer, dense ? Projection.DOWN : Projection.SHARED_DOWN));
    }

    private static void moe(
            Map<String, Tensor> out,
            String p,
            MoeWeights w,
            MoeSpec spec,
            int layer,
            Override override) {
        boolean mixtral = spec.keyStyle() == MoeSpec.KeyStyle.MIXTRAL;
        String block = p + (mixtral ? "block_sparse_moe." : "mlp.");
        out.put(block + "gate.weight", w.router());
        Tensor gateUpStack = orElse(override.weight(layer, Projection.EXPERTS_GATE_UP), w.gateUp());
        Tensor downStack = orElse(override.weight(layer, Projection.EXPERTS_DOWN), w.down());
        long inter = gateUpStack.size(1) / 2;
        for (int e = 0; e < gateUpStack.size(0); e++) {
            String ep = block + "experts." + e + ".";
            Tensor gateUp = gateUpStack.select(0, e);
            out.put(ep + (mixtral ? "w1" : "gate_proj") + ".weight", gateUp.narrow(0, 0, inter));
            out.put(ep + (mixtral ? "w3" : "up_proj") + ".weight", gateUp.narrow(0, inter, inter));
            out.put(ep + (mixtral ? "w2" : "down_proj") + ".weight", downStack.select(0, e));
        }
        if (w.shared() != null) {
            mlp(out, p + "mlp.shared_expert.", w.shared(), layer, Projection.SHARED_GATE, override);
            linear(
                    out,
                    p + "mlp.shared_expert_gate",
                    w.sharedGate(),
                    override.weight(layer, Projection.SHARED_EXPERT_GATE));
        }
    }

    private static Tensor orElse(Tensor t, Tensor dflt) {
        return t != null ? t : dflt;
    }
}
