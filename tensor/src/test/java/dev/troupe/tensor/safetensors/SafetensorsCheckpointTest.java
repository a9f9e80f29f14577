package dev.troupe.tensor.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.tensor.Tensors;
import dev.troupe.testkit.RepoPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hugging Face checkpoint folders: one file or an index of shards, and every way they go wrong. */
class SafetensorsCheckpointTest {
    static final String INDEX = SafetensorsCheckpoint.INDEX_FILE;

    @TempDir Path dir;
    Path ckpt;

    @BeforeEach
    void makeFolder() throws IOException {
        ckpt = Files.createDirectory(dir.resolve("ckpt"));
    }

    /** Writes a shard holding one float tensor per name, each [name.length()] filled with 1..n. */
    Path shard(String file, String... names) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try {
            for (String n : names) {
                float[] v = new float[n.length()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = i + 1;
                }
                tensors.put(n, Tensors.fromFloats(v, v.length));
            }
            Path path = ckpt.resolve(file);
            SafetensorsWriter.write(path, tensors, Map.of());
            return path;
        } finally {
            tensors.values().forEach(Tensor::close);
        }
    }

    Path index(String json) throws IOException {
        return Files.writeString(ckpt.resolve(INDEX), json, StandardCharsets.UTF_8);
    }

    static CheckpointException assertRejected(Path folder, Path file, String... phrases) {
        CheckpointException e =
                assertThrows(
                        CheckpointException.class,
                        () -> SafetensorsCheckpoint.open(folder).close());
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        for (String phrase : phrases) {
            assertTrue(e.getMessage().contains(phrase), "'" + phrase + "' in " + e.getMessage());
        }
        return e;
    }

    @Test
    void shouldOpenASingleFileCheckpoint() {
        Path single = shard(SafetensorsCheckpoint.SINGLE_FILE, "ab", "cde");
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(ckpt)) {
            assertEquals(ckpt, c.folder());
            assertEquals(List.of(single), c.files());
            assertEquals(List.of("ab", "cde"), new ArrayList<>(c.names()));
            try (Tensor t = c.load("cde")) {
                assertArrayEquals(new float[] {1, 2, 3}, Tensors.toFloats(t));
            }
            assertEquals(single, c.entry("ab").file());
        }
    }

    @Test
    void shouldOpenAShardedCheckpointInIndexOrder() throws IOException {
        Path first = shard("model-00001-of-00002.safetensors", "a", "bb");
        Path second = shard("model-00002-of-00002.safetensors", "ccc");
        index(
                "{\"metadata\":{\"total_size\":24},\"weight_map\":{"
                        + "\"ccc\":\"model-00002-of-00002.safetensors\","
                        + "\"a\":\"model-00001-of-00002.safetensors\","
                        + "\"bb\":\"model-00001-of-00002.safetensors\"}}");
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(ckpt)) {
            assertEquals(List.of(second, first), c.files());
            assertEquals(List.of("ccc", "a", "bb"), new ArrayList<>(c.names()));
            assertEquals(first, c.entry("bb").file());
            try (Tensor t = c.load("ccc")) {
                assertArrayEquals(new float[] {1, 2, 3}, Tensors.toFloats(t));
            }
            try (Tensor t = c.load("bb")) {
                assertArrayEquals(new float[] {1, 2}, Tensors.toFloats(t));
            }
        }
    }

    @Test
    void shouldOpenAShardedCheckpointGivenARelativePath() throws IOException {
        shard("s.safetensors", "a");
        index("{\"weight_map\":{\"a\":\"s.safetensors\"}}");
        Path relative = Path.of("").toAbsolutePath().relativize(ckpt);
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(relative)) {
            assertEquals(List.of(relative.resolve("s.safetensors")), c.files());
        }
    }

    @Test
    void shouldPreferTheIndexOverASingleFile() throws IOException {
        shard(SafetensorsCheckpoint.SINGLE_FILE, "stale");
        Path s = shard("shard.safetensors", "fresh");
        index("{\"weight_map\":{\"fresh\":\"shard.safetensors\"}}");
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(ckpt)) {
            assertEquals(List.of(s), c.files());
            assertEquals(Set.of("fresh"), c.names());
        }
    }

    @Test
    void shouldReadTheShardedReferenceCheckpoint() throws IOException {
        Path llama = RepoPaths.fixture("hf", "llama");
        JsonNode weightMap =
                new ObjectMapper().readTree(llama.resolve(INDEX).toFile()).get("weight_map");
        Set<String> shards = new LinkedHashSet<>();
        weightMap.forEach(n -> shards.add(n.asText()));
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(llama)) {
            assertEquals(weightMap.size(), c.names().size());
            assertEquals(shards.size(), c.files().size());
            for (String name : c.names()) {
                assertEquals(
                        weightMap.get(name).asText(),
                        c.entry(name).file().getFileName().toString());
            }
        }
    }

    @Test
    void shouldRejectAMissingFolder() {
        Path missing = dir.resolve("missing");
        assertRejected(missing, missing, "no such directory");
    }

    @Test
    void shouldRejectAFileGivenAsTheFolder() {
        Path file = shard(SafetensorsCheckpoint.SINGLE_FILE, "a");
        assertRejected(file, file, "not a directory");
    }

    @Test
    void shouldRejectAFolderWithNeitherWeightsFile() {
        assertRejected(
                ckpt,
                ckpt,
                "no weights: neither model.safetensors nor model.safetensors.index.json");
    }

    @Test
    void shouldRejectAnIndexThatIsNotJson() throws IOException {
        Path index = index("{\"weight_map\": {");
        assertRejected(ckpt, index, "not valid JSON");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"weight_map\":[]}", "[]", ""})
    void shouldRejectAnIndexWithoutAWeightMap(String json) throws IOException {
        Path index = index(json);
        assertRejected(ckpt, index, "missing object field 'weight_map'");
    }

    @Test
    void shouldRejectAWeightMapEntryThatIsNotAFileName() throws IOException {
        Path index = index("{\"weight_map\":{\"a\":3}}");
        assertRejected(ckpt, index, "weight_map entry 'a' is not a file name");
    }

    @Test
    void shouldRejectAMissingShardNamingItAndTheTensor() throws IOException {
        shard("one.safetensors", "a");
        index("{\"weight_map\":{\"a\":\"one.safetensors\",\"b\":\"two.safetensors\"}}");
        assertRejected(
                ckpt, ckpt.resolve("two.safetensors"), "missing shard", INDEX + " maps 'b' to it");
    }

    @Test
    void shouldRejectAnIndexNamingATensorTheShardLacks() throws IOException {
        Path one = shard("one.safetensors", "a");
        index("{\"weight_map\":{\"a\":\"one.safetensors\",\"z\":\"one.safetensors\"}}");
        assertRejected(ckpt, one, "no tensor named 'z', though " + INDEX + " says it is here");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "../x.safetensors",
                "sub/../../x.safetensors",
                "/tmp/x.safetensors",
                "",
                "."
            })
    void shouldRejectAShardPathOutsideTheFolder(String shardName) throws IOException {
        // Put a real file where "../x.safetensors" points, so only the path check can refuse it.
        shard("../x.safetensors", "a");
        Path index = index("{\"weight_map\":{\"a\":\"" + shardName + "\"}}");
        assertRejected(
                ckpt, index, "shard '" + shardName + "' is not a file of the checkpoint folder");
    }

    @Test
    void shouldRejectABadShardNamingTheShard() throws IOException {
        Path bad = HandMadeFiles.write(ckpt.resolve("bad.safetensors"), new byte[3]);
        index("{\"weight_map\":{\"a\":\"bad.safetensors\"}}");
        assertRejected(ckpt, bad, "shorter than the 8-byte header length");
    }

    @Test
    void shouldRejectAskingForATensorTheCheckpointLacksNamingTheFolder() {
        shard(SafetensorsCheckpoint.SINGLE_FILE, "a");
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(ckpt)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> c.load("b"));
            assertEquals(ckpt + ": the checkpoint has no tensor named 'b'", e.getMessage());
            e = assertThrows(CheckpointException.class, () -> c.entry("b"));
            assertEquals(ckpt, e.file());
        }
    }
}
