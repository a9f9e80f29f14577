package dev.troupe.model.lora;

import dev.troupe.model.layers.Linear;
import dev.troupe.model.layers.Projection;
import org.bytedeco.pytorch.Tensor;

/** Where the forward pass finds the LoRA update of a weight, if the active adapter has one. */
public interface LoraLookup {

    /** The update of a layer's projection, or null. */
    LoraWeights get(int layer, Projection projection);

    /** The update of the LM head, or null. */
    LoraWeights lmHead();

    /**
     * The projection's weight with the update already folded in ({@link MergedLora}), used instead
     * of the base weight and {@link #get}; null when not merged.
     */
    default Tensor merged(int layer, Projection projection) {
        return null;
    }

    /** The LM head's weight with its update folded in, or null. */
    default Tensor mergedLmHead() {
        return null;
    }

    /**
     * A layer's q, k and v maps (updates folded in) stacked into one, rows q then k then v, used
     * instead of the three; null where there is none ({@link MergedLora} makes them).
     */
    default Linear fusedQkv(int layer) {
        return null;
    }

    /** A dense MLP's gate and up weights (updates folded in) stacked into one, or null. */
    default Tensor fusedGateUp(int layer) {
        return null;
    }

    /**
     * Whether RMSNorm may run as libtorch's fused kernel (fp32 inside, one rounding at the end)
     * instead of in transformers' order (bit-exact with it, seven kernels); for generation only.
     */
    default boolean fusedNorm() {
        return false;
    }

    /** No adapter: the base model. */
    LoraLookup NONE =
            new LoraLookup() {
                @Override
                public LoraWeights get(int layer, Projection projection) {
                    return null;
                }

                @Override
                public LoraWeights lmHead() {
                    return null;
                }
            };
}
