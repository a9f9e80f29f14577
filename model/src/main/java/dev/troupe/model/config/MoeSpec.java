package dev.troupe.model.config;

/**
 * The sparse mixture-of-experts block of an architecture.
 *
 * <p>Routing (all supported families): router logits {@code h @ Wg^T}; probabilities {@code
 * softmax(logits)} in fp32; the {@code topK} largest are kept, renormalised to sum 1 when {@code
 * normTopkProb}; each chosen expert computes {@code down(act(gate(x)) * up(x))}, weighted by its
 * probability and summed. Qwen2-MoE adds a shared expert scaled by {@code sigmoid(h @ Wsg^T)}.
 *
 * @param numExperts routed experts per MoE layer
 * @param topK experts per token
 * @param expertIntermediateSize inner width of one routed expert
 * @param normTopkProb renormalise the chosen probabilities
 * @param routerWeightsInFp32 keep routing weights in fp32 when multiplying expert outputs (Mixtral)
 *     rather than casting them to the activation dtype (Qwen)
 * @param sharedExpertIntermediateSize inner width of the shared expert, 0 when there is none
 * @param keyStyle how the checkpoint names the router and experts
 */
public record MoeSpec(
        int numExperts,
        int topK,
        int expertIntermediateSize,
        boolean normTopkProb,
        boolean routerWeightsInFp32,
        int sharedExpertIntermediateSize,
        KeyStyle keyStyle) {

    /** Checkpoint key layouts of routed experts in hub (per-expert) form. */
    public enum KeyStyle {
        /** {@code mlp.gate.weight}, {@code mlp.experts.E.{gate,up,down}_proj.weight} (Qwen-MoE). */
        QWEN,
        /**
         * {@code block_sparse_moe.gate.weight}, {@code
         * block_sparse_moe.experts.E.{w1,w3,w2}.weight}.
         */
        MIXTRAL
    }

    public MoeSpec {
        if (numExperts <= 0 || topK <= 0 || topK > numExperts) {
            throw new IllegalArgumentException(
                    "need 0 < num_experts_per_tok <= num_experts, got "
                            + topK
                            + " of "
                            + numExperts);
        }
        if (expertIntermediateSize <= 0) {
            throw new IllegalArgumentException("expert intermediate size must be > 0");
        }
    }

    public boolean hasSharedExpert() {
        return sharedExpertIntermediateSize > 0;
    }
}
