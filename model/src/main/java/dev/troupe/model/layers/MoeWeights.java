package dev.troupe.model.layers;

import org.bytedeco.pytorch.Tensor;

/**
 * A sparse MoE block, experts stacked as transformers 5 stacks them.
 *
 * @param router (experts, hidden) router weight, no bias
 * @param gateUp (experts, 2 * inter, hidden): rows [0, inter) are the gate, [inter, 2 inter) the up
 *     projection of each expert
 * @param down (experts, hidden, inter)
 * @param shared the shared expert, or null
 * @param sharedGate (1, hidden) gate of the shared expert, or null
 */
public record MoeWeights(
        Tensor router, Tensor gateUp, Tensor down, DenseMlpWeights shared, Linear sharedGate) {}
