package dev.troupe.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.model.lora.LoraMerge;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Writing models back out: merged adapters, re-saved checkpoints, random models. */
class ExportTest {
    @TempDir Path tmp;

    static java.util.stream.Stream<String> models() {
        return HfFixture.MODELS.stream();
    }

    @ParameterizedTest
    @MethodSource("models")
    void shouldExportAMergedModelThatMatchesTransformersWithTheAdapter(String name) {
        try (HfFixture f = new HfFixture(name);
                DecoderModel model = ModelLoader.load(f.dir, ComputeDevice.CPU, DType.F32);
                LoraAdapter adapter = LoraAdapter.load(f.adapterDir(), model)) {
            Path out = tmp.resolve("merged");
            LoraMerge.export(model, adapter, f.dir, out);
            assertTrue(Files.exists(out.resolve("tokenizer.json")));
            try (DecoderModel merged = ModelLoader.load(out, ComputeDevice.CPU, DType.F32);
                    PointerScope scope = new PointerScope()) {
                assertTrue(
                        merged.unusedCheckpointKeys().isEmpty(),
                        merged.unusedCheckpointKeys().toString());
                Tensor logits =
                        merged.forward(
                                f.get("input_ids"),
                                f.get("attention_mask"),
                                f.get("position_ids"),
                                null,
                                LoraLookup.NONE,
                                false);
                double err =
                        Compare.maxAbsError(logits, f.get("logits_lora"), f.get("attention_mask"));
                assertTrue(err <= HfParityTest.TOLERANCE, name + " merged logits error " + err);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void shouldResaveACheckpointThatLoadsToTheSameModel(String name) {
        try (HfFixture f = new HfFixture(name);
                DecoderModel model = ModelLoader.load(f.dir, ComputeDevice.CPU, DType.F32);
                PointerScope scope = new PointerScope()) {
            Path out = tmp.resolve("resaved");
            ObjectNode config = readConfig(f.dir);
            // A small shard size forces the sharded layout with an index.
            CheckpointWriter.write(out, config, HubState.of(model), 64 * 1024);
            assertTrue(Files.exists(out.resolve("model.safetensors.index.json")));
            try (DecoderModel again = ModelLoader.load(out, ComputeDevice.CPU, DType.F32)) {
                Tensor a =
                        model.forward(
                                f.get("input_ids"),
                                f.get("attention_mask"),
                                f.get("position_ids"),
                                null,
                                LoraLookup.NONE,
                                false);
                Tensor b =
                        again.forward(
                                f.get("input_ids"),
                                f.get("attention_mask"),
                                f.get("position_ids"),
                                null,
                                LoraLookup.NONE,
                                false);
                assertTrue(
                        Compare.maxAbsError(a, b, null) == 0.0, name + ": re-saved model differs");
            }
        }
    }

    @Test
    void shouldBuildARandomCheckpointFromAConfig() throws Exception {
        ObjectNode config = readConfig(dev.troupe.testkit.RepoPaths.fixture("hf", "qwen2"));
        Path out = tmp.resolve("random");
        RandomModels.writeCheckpoint(out, config, 42, DType.BF16);
        try (DecoderModel a = ModelLoader.load(out, ComputeDevice.CPU, DType.F32);
                DecoderModel b = RandomModels.create(config, 42, ComputeDevice.CPU, DType.BF16);
                PointerScope scope = new PointerScope()) {
            Tensor ids = dev.troupe.tensor.Tensors.fromLongs(new long[] {5, 9, 11, 200}, 1, 4);
            Tensor la = a.forward(ids, null, null, null, LoraLookup.NONE, false);
            Tensor lb =
                    b.forward(ids, null, null, null, LoraLookup.NONE, false)
                            .to(DType.F32.scalarType());
            // Same seed: the same bf16 weights, computed in fp32 vs bf16.
            assertTrue(Compare.maxAbsError(la, lb, null) < 0.1, "random checkpoint differs");
            double spread =
                    Compare.maxAbsError(la, la.mul(new org.bytedeco.pytorch.Scalar(0.0)), null);
            assertTrue(spread > 0.1, "random model produced constant logits");
        }
    }

    static ObjectNode readConfig(Path dir) {
        try {
            return (ObjectNode)
                    new ObjectMapper().readTree(Files.readAllBytes(dir.resolve("config.json")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
