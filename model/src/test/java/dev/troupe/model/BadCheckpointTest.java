package dev.troupe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.model.config.Architectures;
import dev.troupe.model.config.ModelConfigException;
import dev.troupe.model.config.RopeSpec;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import dev.troupe.tensor.safetensors.CheckpointException;
import dev.troupe.tensor.safetensors.SafetensorsFile;
import dev.troupe.tensor.safetensors.SafetensorsWriter;
import dev.troupe.testkit.RepoPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broken checkpoint stops the load with an error that names the file and the problem. */
class BadCheckpointTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;

    /** A copy of a fixture checkpoint that a test may damage. */
    Path copyOf(String name) throws IOException {
        Path src = RepoPaths.fixture("hf", name);
        Path dst = tmp.resolve(name);
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, dst.resolve(f.getFileName()));
                }
            }
        }
        return dst;
    }

    ObjectNode config(Path dir) throws IOException {
        return (ObjectNode) JSON.readTree(Files.readAllBytes(dir.resolve("config.json")));
    }

    void writeConfig(Path dir, ObjectNode cfg) throws IOException {
        Files.write(dir.resolve("config.json"), JSON.writeValueAsBytes(cfg));
    }

    static String loadError(Path dir) {
        RuntimeException e =
                assertThrows(
                        RuntimeException.class,
                        () -> ModelLoader.load(dir, ComputeDevice.CPU, DType.F32).close());
        assertTrue(
                e instanceof ModelConfigException || e instanceof CheckpointException,
                "unexpected exception type " + e);
        return e.getMessage();
    }

    @Test
    void shouldRejectAMissingConfigNamingIt() throws IOException {
        Path dir = copyOf("qwen2");
        Files.delete(dir.resolve("config.json"));
        String m = loadError(dir);
        assertTrue(m.contains("config.json") && m.contains("no such file"), m);
    }

    @Test
    void shouldRejectAConfigThatIsNotJson() throws IOException {
        Path dir = copyOf("qwen2");
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"qwen2\", ");
        String m = loadError(dir);
        assertTrue(m.contains("config.json") && m.contains("not valid JSON"), m);
    }

    @Test
    void shouldRejectAnUnknownModelTypeListingTheSupportedOnes() throws IOException {
        Path dir = copyOf("qwen2");
        ObjectNode cfg = config(dir);
        cfg.put("model_type", "gpt_neox");
        writeConfig(dir, cfg);
        String m = loadError(dir);
        assertTrue(m.contains("gpt_neox") && m.contains("qwen3_moe") && m.contains("mixtral"), m);
    }

    @Test
    void shouldRejectAValueOfTheWrongTypeNamingTheKey() throws IOException {
        Path dir = copyOf("llama");
        ObjectNode cfg = config(dir);
        cfg.put("hidden_size", "sixty-four");
        writeConfig(dir, cfg);
        String m = loadError(dir);
        assertTrue(m.contains("config.json") && m.contains("hidden_size"), m);
    }

    @Test
    void shouldRejectInconsistentHeadCounts() throws IOException {
        Path dir = copyOf("mistral");
        ObjectNode cfg = config(dir);
        cfg.put("num_key_value_heads", 3);
        writeConfig(dir, cfg);
        String m = loadError(dir);
        assertTrue(m.contains("num_key_value_heads"), m);
    }

    @Test
    void shouldRejectAnUnsupportedRopeType() throws IOException {
        Path dir = copyOf("qwen3");
        ObjectNode cfg = config(dir);
        ((ObjectNode) cfg.get("rope_parameters")).put("rope_type", "longrope");
        writeConfig(dir, cfg);
        String m = loadError(dir);
        assertTrue(m.contains("longrope") && m.contains("yarn"), m);
    }

    @Test
    void shouldRejectWeightsOfAnotherShapeThanTheConfigImplies() throws IOException {
        Path dir = copyOf("qwen3");
        ObjectNode cfg = config(dir);
        cfg.put("intermediate_size", 128);
        writeConfig(dir, cfg);
        String m = loadError(dir);
        assertTrue(m.contains("model.safetensors") && m.contains("shape") && m.contains("mlp"), m);
    }

    @Test
    void shouldRejectAMissingTensorNamingIt() throws IOException {
        Path dir = copyOf("mistral");
        rewriteWeights(
                dir, "model.safetensors", w -> w.remove("model.layers.1.self_attn.k_proj.weight"));
        String m = loadError(dir);
        assertTrue(
                m.contains("model.layers.1.self_attn.k_proj.weight") && m.contains("missing"), m);
    }

    @Test
    void shouldRejectAnIntegerWeightNamingItsDtype() throws IOException {
        Path dir = copyOf("mistral");
        rewriteWeights(
                dir,
                "model.safetensors",
                w ->
                        w.put(
                                "model.norm.weight",
                                Tensors.fromLongs(new long[64], 64).to(DType.I32.scalarType())));
        String m = loadError(dir);
        assertTrue(m.contains("model.norm.weight") && m.contains("I32"), m);
    }

    @Test
    void shouldRejectAMissingShardNamingIt() throws IOException {
        Path dir = copyOf("llama");
        Files.delete(dir.resolve("model-00003-of-00004.safetensors"));
        String m = loadError(dir);
        assertTrue(
                m.contains("model-00003-of-00004.safetensors") && m.contains("missing shard"), m);
    }

    @Test
    void shouldRejectATruncatedWeightsFileNamingIt() throws IOException {
        Path dir = copyOf("qwen2_moe");
        Path f = dir.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        String m = loadError(dir);
        assertTrue(m.contains("model.safetensors") && m.contains("truncated"), m);
    }

    @Test
    void shouldRejectAMalformedSafetensorsHeader() throws IOException {
        Path dir = copyOf("mixtral");
        Path f = dir.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(f);
        bytes[8] = 'X'; // the header's opening brace
        Files.write(f, bytes);
        String m = loadError(dir);
        assertTrue(m.contains("model.safetensors") && m.contains("header"), m);
    }

    @Test
    void shouldReportTensorsTheArchitectureDoesNotUse() throws IOException {
        Path dir = copyOf("qwen3_moe");
        rewriteWeights(
                dir,
                "model.safetensors",
                w ->
                        w.put(
                                "model.layers.0.self_attn.rotary_emb.inv_freq",
                                Tensors.fromFloats(new float[8], 8)));
        try (DecoderModel m = ModelLoader.load(dir, ComputeDevice.CPU, DType.F32)) {
            assertEquals(
                    java.util.List.of("model.layers.0.self_attn.rotary_emb.inv_freq"),
                    m.unusedCheckpointKeys());
        }
    }

    @Test
    void shouldReadLegacyRopeScalingAndTheta() throws IOException {
        Path dir = copyOf("llama");
        ObjectNode cfg = config(dir);
        ObjectNode rope = (ObjectNode) cfg.remove("rope_parameters");
        cfg.put("rope_theta", rope.get("rope_theta").asDouble());
        rope.remove("rope_theta");
        rope.put("type", rope.remove("rope_type").asText());
        cfg.set("rope_scaling", rope);
        writeConfig(dir, cfg);
        RopeSpec legacy = Architectures.readSpec(dir).rope();
        RopeSpec modern = Architectures.readSpec(RepoPaths.fixture("hf", "llama")).rope();
        assertEquals(modern, legacy);
        assertEquals(RopeSpec.Type.LLAMA3, legacy.type());
    }

    interface Edit {
        void apply(Map<String, Tensor> weights);
    }

    static void rewriteWeights(Path dir, String file, Edit edit) {
        try (PointerScope scope = new PointerScope();
                SafetensorsFile f = SafetensorsFile.open(dir.resolve(file))) {
            Map<String, Tensor> weights = new LinkedHashMap<>();
            for (String n : f.names()) {
                weights.put(n, f.load(n).clone());
            }
            edit.apply(weights);
            SafetensorsWriter.write(dir.resolve(file), weights, Map.of("format", "pt"));
        }
    }
}
