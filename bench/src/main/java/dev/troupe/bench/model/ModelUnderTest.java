package dev.troupe.bench.model;

import dev.troupe.model.DecoderModel;
import dev.troupe.model.RandomModels;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraConfig;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;

/**
 * The benchmark model in fp32 on the CPU, with the adapter a benchmark asked for. Owns the native
 * weights of both until closed.
 */
final class ModelUnderTest implements AutoCloseable {
    private final DecoderModel model;

    /** Null for {@link AdapterVariant#NONE}. */
    private final LoraAdapter adapter;

    private ModelUnderTest(DecoderModel model, LoraAdapter adapter) {
        this.model = model;
        this.adapter = adapter;
    }

    static ModelUnderTest open(AdapterVariant variant) {
        DecoderModel model =
                RandomModels.create(
                        BenchModels.smallQwen2Config(),
                        BenchModels.SEED,
                        ComputeDevice.CPU,
                        DType.F32);
        LoraAdapter adapter =
                switch (variant) {
                    case NONE -> null;
                    case LORA_R16 ->
                            LoraAdapter.create(
                                    model,
                                    LoraConfig.of(
                                            BenchModels.LORA_RANK,
                                            BenchModels.LORA_ALPHA,
                                            BenchModels.LORA_TARGET_MODULES),
                                    BenchModels.SEED);
                };
        return new ModelUnderTest(model, adapter);
    }

    DecoderModel model() {
        return model;
    }

    /** What the forward pass applies: the adapter, or {@link LoraLookup#NONE}. */
    LoraLookup lora() {
        return adapter == null ? LoraLookup.NONE : adapter;
    }

    @Override
    public void close() {
        if (adapter != null) {
            adapter.close();
        }
        model.close();
    }
}
