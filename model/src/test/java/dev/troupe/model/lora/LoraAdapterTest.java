package dev.troupe.model.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.model.DecoderModel;
import dev.troupe.model.ModelLoader;
import dev.troupe.model.layers.Projection;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import dev.troupe.tensor.safetensors.CheckpointException;
import dev.troupe.tensor.safetensors.SafetensorsFile;
import dev.troupe.testkit.RepoPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoraAdapterTest {
    @TempDir Path tmp;

    static Path model(String name) {
        return RepoPaths.fixture("hf", name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2_moe", "mixtral"})
    void shouldReloadASavedAdapterBitExactly(String name) throws Exception {
        try (DecoderModel model = ModelLoader.load(model(name), ComputeDevice.CPU, DType.F32);
                LoraAdapter adapter = LoraAdapter.load(model(name).resolve("adapter"), model)) {
            adapter.save(tmp, "fixtures/hf/" + name);
            try (LoraAdapter again = LoraAdapter.load(tmp, model)) {
                Map<String, Tensor> a = adapter.peftTensors();
                Map<String, Tensor> b = again.peftTensors();
                assertEquals(a.keySet(), b.keySet());
                for (String k : a.keySet()) {
                    assertArrayEquals(Tensors.toBytes(a.get(k)), Tensors.toBytes(b.get(k)), k);
                }
                assertEquals(adapter.config(), again.config());
            }
            // The saved file uses exactly PEFT's keys for this model (PEFT made the fixture's).
            try (SafetensorsFile ours =
                            SafetensorsFile.open(tmp.resolve(LoraAdapter.WEIGHTS_FILE));
                    SafetensorsFile peft =
                            SafetensorsFile.open(
                                    model(name)
                                            .resolve("adapter")
                                            .resolve(LoraAdapter.WEIGHTS_FILE))) {
                java.util.Set<String> peftLoraKeys = new java.util.TreeSet<>(peft.names());
                peftLoraKeys.removeIf(k -> k.endsWith("base_layer.weight"));
                assertEquals(peftLoraKeys, new java.util.TreeSet<>(ours.names()));
            }
        }
    }

    @Test
    void allLinearMustBeTheOnlyTargetModule() {
        // PEFT would read the list's "all-linear" as a module name and adapt only lm_head.
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> LoraConfig.of(4, 8, List.of("all-linear", "lm_head")));
        assertTrue(e.getMessage().contains("must be alone"), e.getMessage());
        assertEquals(
                List.of("all-linear"), LoraConfig.of(4, 8, List.of("all-linear")).targetModules());
    }

    @Test
    void shouldWriteAnAdapterConfigPeftUnderstands() throws Exception {
        try (DecoderModel model = ModelLoader.load(model("mistral"), ComputeDevice.CPU, DType.F32);
                LoraAdapter adapter =
                        LoraAdapter.load(model("mistral").resolve("adapter"), model)) {
            adapter.save(tmp, "base");
            var cfg =
                    new ObjectMapper()
                            .readTree(Files.readAllBytes(tmp.resolve(LoraAdapter.CONFIG_FILE)));
            assertEquals("LORA", cfg.get("peft_type").asText());
            assertEquals(4, cfg.get("r").asInt());
            assertEquals(2, cfg.get("rank_pattern").get("o_proj").asInt());
            assertEquals(16, cfg.get("alpha_pattern").get("v_proj").asInt());
            // rank_pattern gave o_proj rank 2, alpha_pattern gave v_proj scaling 16/4.
            assertEquals(2, adapter.get(0, Projection.O).rank());
            assertEquals(4.0, adapter.get(0, Projection.V).scaling(), 1e-12);
            assertEquals(2.0, adapter.get(0, Projection.Q).scaling(), 1e-12);
        }
    }

    @Test
    void shouldCreateAnAdapterThatStartsAsTheBaseModel() {
        try (DecoderModel model =
                        ModelLoader.load(model("qwen3_moe"), ComputeDevice.CPU, DType.F32);
                LoraAdapter adapter =
                        LoraAdapter.create(
                                model,
                                LoraConfig.of(8, 16, List.of("q_proj", "v_proj"))
                                        .withTargetParameters(List.of("mlp.experts.gate_up_proj")),
                                7);
                PointerScope scope = new PointerScope()) {
            LoraWeights q = adapter.get(0, Projection.Q);
            assertArrayEquals(new long[] {8, 64}, Tensors.shape(q.a()));
            assertArrayEquals(new long[] {64, 8}, Tensors.shape(q.b()));
            LoraWeights experts = adapter.get(1, Projection.EXPERTS_GATE_UP);
            assertArrayEquals(new long[] {4 * 8, 64}, Tensors.shape(experts.a()));
            assertArrayEquals(new long[] {2 * 32, 4 * 8}, Tensors.shape(experts.b()));
            assertTrue(adapter.get(0, Projection.K) == null);
            // PEFT's default init: B = 0 (the adapter changes nothing yet), A ~ U(-1/sqrt(in),
            // 1/sqrt(in)).
            for (float v : Tensors.toFloats(q.b())) {
                assertEquals(0f, v);
            }
            float bound = (float) (1 / Math.sqrt(64));
            float maxAbs = 0;
            for (float v : Tensors.toFloats(q.a())) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            assertTrue(maxAbs <= bound && maxAbs > bound * 0.8, "A bound " + maxAbs);
            assertTrue(q.a().requires_grad() && q.b().requires_grad());
            // Per layer: q (8x64 + 64x8), v (8x64 + 32x8), experts gate_up ((4*8)x64 + 64x(4*8)).
            assertEquals(
                    2 * ((8 * 64 + 64 * 8) + (8 * 64 + 32 * 8) + (4 * 8 * 64 + 64 * 4 * 8)),
                    adapter.numParameters());
        }
    }

    @Test
    void shouldApplyLoraDropoutOnlyWhenTraining() {
        try (DecoderModel model = ModelLoader.load(model("llama"), ComputeDevice.CPU, DType.F32);
                LoraAdapter adapter =
                        LoraAdapter.create(
                                model,
                                LoraConfig.of(4, 8, List.of("q_proj", "down_proj"))
                                        .withDropout(0.5)
                                        .withInit("false"),
                                3);
                PointerScope scope = new PointerScope()) {
            Tensor ids = Tensors.fromLongs(new long[] {5, 9, 11, 200, 7, 42}, 1, 6);
            Tensor eval1 = model.forward(ids, null, null, null, adapter, false);
            Tensor eval2 = model.forward(ids, null, null, null, adapter, false);
            Tensor train1 = model.forward(ids, null, null, null, adapter, true);
            Tensor train2 = model.forward(ids, null, null, null, adapter, true);
            assertTrue(eval1.equal(eval2), "dropout active outside training");
            assertTrue(!train1.equal(train2), "dropout inactive in training");
            assertTrue(!train1.equal(eval1), "training output equals eval output");
        }
    }

    @Test
    void shouldKeepBaseWeightsFrozenWhileLoraWeightsLearn() {
        try (DecoderModel model =
                        ModelLoader.load(model("qwen2_moe"), ComputeDevice.CPU, DType.F32);
                LoraAdapter adapter =
                        LoraAdapter.load(model("qwen2_moe").resolve("adapter"), model);
                PointerScope scope = new PointerScope()) {
            Tensor ids = Tensors.fromLongs(new long[] {5, 9, 11, 200, 7, 42}, 1, 6);
            model.forward(ids, null, null, null, adapter, true).sum().backward();
            for (Tensor base : dev.troupe.model.HubState.of(model).values()) {
                assertTrue(
                        !base.requires_grad() && !base.grad().defined(),
                        "a base weight got a gradient");
            }
            for (Tensor p : adapter.parameters()) {
                assertTrue(p.grad().defined(), "a LoRA weight got no gradient");
            }
        }
    }

    @Test
    void shouldRefuseAnAdapterTrainedForAnotherModel() {
        try (DecoderModel model = ModelLoader.load(model("qwen3"), ComputeDevice.CPU, DType.F32)) {
            CheckpointException e =
                    assertThrows(
                            CheckpointException.class,
                            () -> LoraAdapter.load(model("llama").resolve("adapter"), model));
            assertTrue(e.getMessage().contains("adapter_model.safetensors"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseTargetsThatMatchNothing() {
        try (DecoderModel model = ModelLoader.load(model("llama"), ComputeDevice.CPU, DType.F32)) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    LoraAdapter.create(
                                            model, LoraConfig.of(4, 8, List.of("c_attn")), 1));
            assertTrue(e.getMessage().contains("c_attn"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseAMissingAdapterFolderNamingTheFile() {
        try (DecoderModel model = ModelLoader.load(model("llama"), ComputeDevice.CPU, DType.F32)) {
            CheckpointException e =
                    assertThrows(CheckpointException.class, () -> LoraAdapter.load(tmp, model));
            assertTrue(e.getMessage().contains(LoraAdapter.CONFIG_FILE), e.getMessage());
        }
    }

    @Test
    void shouldRefuseUnsupportedPeftFeaturesByName() throws Exception {
        Path dir = tmp.resolve("dora");
        Files.createDirectories(dir);
        Files.copy(
                model("llama").resolve("adapter").resolve(LoraAdapter.WEIGHTS_FILE),
                dir.resolve(LoraAdapter.WEIGHTS_FILE));
        String cfg =
                Files.readString(model("llama").resolve("adapter").resolve(LoraAdapter.CONFIG_FILE))
                        .replace("\"use_dora\": false", "\"use_dora\": true");
        Files.writeString(dir.resolve(LoraAdapter.CONFIG_FILE), cfg);
        try (DecoderModel model = ModelLoader.load(model("llama"), ComputeDevice.CPU, DType.F32)) {
            CheckpointException e =
                    assertThrows(CheckpointException.class, () -> LoraAdapter.load(dir, model));
            assertTrue(e.getMessage().contains("use_dora"), e.getMessage());
        }
    }
}
