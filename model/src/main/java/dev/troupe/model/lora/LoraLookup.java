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

    /**
     * Whether the low-rank products run in the activations' dtype, the fp32 weights cast to it on
     * the way in, as under {@code torch.autocast} (mixed precision: what TRL with {@code bf16=True}
     * and veRL's FSDP param dtype do), instead of in the weights' fp32 as plain PEFT does. In bf16
     * it keeps no fp32 copy of a layer's input or output for the backward pass and adds the update
     * inside the second product.
     */
    default boolean autocast() {
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
