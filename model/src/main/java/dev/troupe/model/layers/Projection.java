package dev.troupe.model.layers;

/**
 * The weight matrices of a decoder layer that LoRA can adapt, with the module (or parameter) path
 * they have in transformers 5's module tree, which is also the path PEFT puts in adapter keys.
 */
public enum Projection {
    Q("self_attn.q_proj"),
    K("self_attn.k_proj"),
    V("self_attn.v_proj"),
    O("self_attn.o_proj"),
    /** Dense MLP (also the dense layers of MoE models). */
    GATE("mlp.gate_proj"),
    UP("mlp.up_proj"),
    DOWN("mlp.down_proj"),
    /** Qwen2-MoE shared expert. */
    SHARED_GATE("mlp.shared_expert.gate_proj"),
    SHARED_UP("mlp.shared_expert.up_proj"),
    SHARED_DOWN("mlp.shared_expert.down_proj"),
    /** The (hidden -> 1) gate of the Qwen2-MoE shared expert. */
    SHARED_EXPERT_GATE("mlp.shared_expert_gate"),
    /** Routed experts' fused gate/up parameter, shape (experts, 2 * inter, hidden). */
    EXPERTS_GATE_UP("mlp.experts.gate_up_proj"),
    /** Routed experts' down parameter, shape (experts, hidden, inter). */
    EXPERTS_DOWN("mlp.experts.down_proj");

    private final String suffix;

    Projection(String suffix) {
        this.suffix = suffix;
    }

    /** Path below the layer, e.g. "self_attn.q_proj". */
    public String suffix() {
        return suffix;
    }

    /** Full path, e.g. "model.layers.3.self_attn.q_proj". */
    public String path(int layer) {
        return "model.layers." + layer + "." + suffix;
    }

    /**
     * Whether this is a 3-D experts parameter (PEFT {@code target_parameters}) rather than a linear
     * module.
     */
    public boolean isExpertParameter() {
        return this == EXPERTS_GATE_UP || this == EXPERTS_DOWN;
    }
}
