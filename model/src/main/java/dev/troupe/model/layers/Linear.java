package dev.troupe.model.layers;

import org.bytedeco.pytorch.Tensor;

/**
 * A frozen linear map {@code y = x W^T + b}.
 *
 * @param weight (out, in) float, frozen
 * @param bias (out) float, or null
 */
public record Linear(Tensor weight, Tensor bias) {
    public long outFeatures() {
        return weight.size(0);
    }

    public long inFeatures() {
        return weight.size(1);
    }
}
