package dev.troupe.model.layers;

import org.bytedeco.pytorch.Tensor;

/**
 * One decoder layer.
 *
 * @param inputNorm (hidden) RMSNorm weight before attention
 * @param postAttentionNorm (hidden) RMSNorm weight before the MLP
 * @param q query projection
 * @param k key projection
 * @param v value projection
 * @param o output projection
 * @param qNorm (head_dim) per-head RMSNorm weight on queries, or null
 * @param kNorm (head_dim) per-head RMSNorm weight on keys, or null
 * @param mlp the dense MLP, or null when {@code moe} is set
 * @param moe the MoE block, or null when {@code mlp} is set
 */
public record LayerWeights(
        Tensor inputNorm,
        Tensor postAttentionNorm,
        Linear q,
        Linear k,
        Linear v,
        Linear o,
        Tensor qNorm,
        Tensor kNorm,
        DenseMlpWeights mlp,
        MoeWeights moe) {}
