package dev.troupe.model.layers;

/** The gated MLP {@code down(act(gate(x)) * up(x))}. */
public record DenseMlpWeights(Linear gate, Linear up, Linear down) {}
