package dev.troupe.model.lora;

import dev.troupe.model.layers.Projection;

/** Where the forward pass finds the LoRA update of a weight, if the active adapter has one. */
public interface LoraLookup {

    /** The update of a layer's projection, or null. */
    LoraWeights get(int layer, Projection projection);

    /** The update of the LM head, or null. */
    LoraWeights lmHead();

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
