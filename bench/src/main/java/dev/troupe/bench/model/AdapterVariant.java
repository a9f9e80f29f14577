package dev.troupe.bench.model;

/** Which LoRA adapter, if any, the forward pass applies. A JMH parameter. */
public enum AdapterVariant {
    /** The base model alone. */
    NONE,
    /**
     * A rank-{@value BenchModels#LORA_RANK} adapter on every linear layer of every block ({@link
     * BenchModels#LORA_TARGET_MODULES}), computed unmerged as PEFT does: {@code x W^T + s B(A x)}.
     */
    LORA_R16
}
