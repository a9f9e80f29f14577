package dev.troupe.model.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.model.DecoderModel;
import dev.troupe.model.ModelLoader;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import dev.troupe.tensor.safetensors.SafetensorsFile;
import dev.troupe.tensor.safetensors.SafetensorsWriter;
import dev.troupe.testkit.RepoPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Adapters Troupe creates load in PEFT and give the same logits there. This test writes, for each
 * fixture model, a fresh adapter with non-zero A and B and Troupe's logits with it to {@code
 * target/peft-interop/NAME/}; {@code scripts/fixtures/check_peft_interop.py}, run on the GPU
 * machine where PEFT is, loads each into transformers + PEFT, compares the logits and records the
 * result in {@code fixtures/hf/peft_interop.json}. The test then checks that the recorded check
 * covered exactly the bytes written now (by hash) and passed.
 */
class PeftInteropTest {
    static final Map<String, List<String>> TARGETS =
            Map.of(
                    "llama",
                            List.of(
                                    "q_proj",
                                    "k_proj",
                                    "v_proj",
                                    "o_proj",
                                    "gate_proj",
                                    "up_proj",
                                    "down_proj",
                                    "lm_head"),
                    "qwen2", List.of("q_proj", "v_proj", "gate_proj", "down_proj"),
                    "qwen3", List.of("q_proj", "k_proj", "v_proj", "o_proj"),
                    "mistral", List.of("o_proj", "up_proj"),
                    "qwen2_moe",
                            List.of(
                                    "q_proj",
                                    "o_proj",
                                    "gate_proj",
                                    "up_proj",
                                    "down_proj",
                                    "shared_expert_gate"),
                    "qwen3_moe", List.of("k_proj", "v_proj"),
                    "mixtral", List.of("q_proj", "v_proj"));

    @ParameterizedTest
    @ValueSource(
            strings = {"llama", "qwen2", "qwen3", "mistral", "qwen2_moe", "qwen3_moe", "mixtral"})
    void shouldWriteAdaptersThatPeftLoadsToTheSameLogits(String name) throws Exception {
        Path fixture = RepoPaths.fixture("hf", name);
        Path out = Path.of("target", "peft-interop", name).toAbsolutePath();
        LoraConfig config =
                new LoraConfig(
                        8,
                        16,
                        0.0,
                        TARGETS.get(name),
                        null,
                        List.of(),
                        name.equals("qwen3"),
                        Map.of(),
                        Map.of(),
                        null,
                        "false");
        if (name.endsWith("moe") || name.equals("mixtral")) {
            config =
                    config.withTargetParameters(
                            List.of("mlp.experts.gate_up_proj", "mlp.experts.down_proj"));
        }
        try (DecoderModel model = ModelLoader.load(fixture, ComputeDevice.CPU, DType.F32);
                LoraAdapter adapter = LoraAdapter.create(model, config, 1000 + name.length());
                SafetensorsFile ref =
                        SafetensorsFile.open(fixture.resolve("reference.safetensors"));
                PointerScope scope = new PointerScope()) {
            adapter.save(out.resolve("adapter"), "fixtures/hf/" + name);
            Tensor logits =
                    model.forward(
                            ref.load("input_ids"),
                            ref.load("attention_mask"),
                            ref.load("position_ids"),
                            null,
                            adapter,
                            false);
            Map<String, Tensor> t = new LinkedHashMap<>();
            t.put("logits", logits.detach());
            SafetensorsWriter.write(out.resolve("logits.safetensors"), t, Map.of());
            try (LoraAdapter again = LoraAdapter.load(out.resolve("adapter"), model)) {
                for (Map.Entry<String, Tensor> e : adapter.peftTensors().entrySet()) {
                    assertArrayEquals(
                            Tensors.toBytes(e.getValue()),
                            Tensors.toBytes(again.peftTensors().get(e.getKey())),
                            e.getKey());
                }
            }
        }
        String sha = sha256(out.resolve("adapter").resolve(LoraAdapter.WEIGHTS_FILE));
        Path recorded = RepoPaths.fixture("hf", "peft_interop.json");
        assertTrue(
                Files.exists(recorded),
                "no PEFT check recorded yet: run scripts/fixtures/check_peft_interop.py on the GPU machine");
        JsonNode r =
                new ObjectMapper().readTree(Files.readAllBytes(recorded)).path("models").path(name);
        assertEquals(
                sha,
                r.path("adapter_sha256").asText(),
                name + ": the recorded PEFT check is for other adapter bytes");
        assertTrue(
                r.path("loaded_all_keys").asBoolean(false),
                name + ": PEFT did not load every tensor");
        assertTrue(
                r.path("logits_max_abs_error").asDouble(1) <= 1e-4,
                name + ": PEFT logits differ by " + r.path("logits_max_abs_error"));
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
