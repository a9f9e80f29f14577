package dev.troupe.model.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.model.DecoderModel;
import dev.troupe.model.ModelLoader;
import dev.troupe.model.layers.Projection;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.NoGrad;
import dev.troupe.tensor.Tensors;
import dev.troupe.testkit.RepoPaths;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An adapter folded into inference copies of the weights (merged, q/k/v and gate/up stacked, the
 * fused RMSNorm) gives the logits of the adapter applied on the side (fp32, so only the summation
 * order differs), the model's own weights stay as they were, and what is not merged (routed
 * experts) is still applied.
 */
class MergedLoraTest {
    private static LoraConfig config(String name, String targets) {
        LoraConfig c = LoraConfig.of(4, 8, List.of(targets.split(";"))).withInit("false");
        // Routed experts stay unmerged: their update must still be applied on the side.
        return name.endsWith("moe")
                ? c.withTargetParameters(List.of("mlp.experts.gate_up_proj"))
                : c;
    }

    @ParameterizedTest
    @CsvSource({
        "llama, q_proj;k_proj;v_proj;o_proj;gate_proj;up_proj;down_proj;lm_head",
        "qwen2, all-linear",
        "qwen2_moe, q_proj;o_proj;gate_proj;up_proj;down_proj;shared_expert_gate",
    })
    void shouldGiveTheLogitsOfTheUnmergedAdapter(String name, String targets) {
        try (DecoderModel m =
                        ModelLoader.load(
                                RepoPaths.fixture("hf", name), ComputeDevice.CPU, DType.F32);
                LoraAdapter adapter = LoraAdapter.create(m, config(name, targets), 11);
                NoGrad ng = new NoGrad();
                PointerScope scope = new PointerScope()) {
            Tensor ids = Tensors.fromLongs(new long[] {5, 9, 11, 200, 7, 42, 30, 31}, 2, 4);
            float[] base =
                    Tensors.toFloats(m.forward(ids, null, null, null, LoraLookup.NONE, false));
            float[] unmerged = Tensors.toFloats(m.forward(ids, null, null, null, adapter, false));
            float[] weight0 = Tensors.toFloats(m.baseWeight(0, Projection.Q));
            float[] merged;
            try (MergedLora ml = MergedLora.of(m, adapter)) {
                assertNotNull(ml.merged(0, Projection.Q), "q_proj merged");
                assertNull(ml.get(0, Projection.Q), "a merged update is not applied again");
                assertNotNull(ml.fusedQkv(0), "q, k, v stacked");
                assertTrue(ml.fusedNorm());
                merged = Tensors.toFloats(m.forward(ids, null, null, null, ml, false));
            }
            assertArrayEquals(unmerged, merged, 2e-5f, name + " logits");
            assertArrayEquals(weight0, Tensors.toFloats(m.baseWeight(0, Projection.Q)), 0f);
            double moved = 0;
            for (int i = 0; i < base.length; i++) {
                moved = Math.max(moved, Math.abs(base[i] - unmerged[i]));
            }
            assertTrue(moved > 1e-3, "the adapter changes the logits (" + moved + ")");
        }
    }
}
