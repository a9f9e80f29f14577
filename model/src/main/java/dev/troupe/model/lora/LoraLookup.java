package dev.troupe.model.lora;

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
