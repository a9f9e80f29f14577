package dev.troupe.bench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.troupe.model.HubState;
import dev.troupe.model.lora.LoraAdapter;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class BenchModelsTest {

    @Test
    void shouldReportTheParameterCountsOfTheBuiltModelAndAdapter() {
        try (ModelUnderTest subject = ModelUnderTest.open(AdapterVariant.LORA_R16);
                PointerScope scope = new PointerScope()) {
            long base = 0;
            for (Tensor t : HubState.of(subject.model()).values()) {
                base += t.numel();
            }
            assertEquals(BenchModels.baseParameterCount(), base);
            assertEquals(
                    BenchModels.loraParameterCount(),
                    ((LoraAdapter) subject.lora()).numParameters());
        }
    }
}
