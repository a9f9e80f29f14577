package dev.troupe.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.tensor.Owned;
import dev.troupe.tensor.Tensors;
import dev.troupe.tensor.safetensors.SafetensorsFile;
import dev.troupe.testkit.RepoPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * One model folder of {@code fixtures/hf}, made by {@code scripts/fixtures/make_hf_fixtures.py}
 * with transformers 5.17 and PEFT 0.21: the checkpoint, its PEFT adapter, and what transformers
 * computed on them.
 */
final class HfFixture implements AutoCloseable {
    static final List<String> MODELS =
            List.of("llama", "qwen2", "qwen3", "mistral", "qwen2_moe", "qwen3_moe", "mixtral");

    final String name;
    final Path dir;
    final JsonNode meta;
    private final Map<String, Tensor> reference = new LinkedHashMap<>();

    HfFixture(String name) {
        this(name, "reference.safetensors");
    }

    HfFixture(String name, String referenceFile) {
        this.name = name;
        this.dir = RepoPaths.fixture("hf", name);
        try {
            this.meta =
                    new ObjectMapper().readTree(Files.readAllBytes(dir.resolve("reference.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(referenceFile))) {
            for (String n : f.names()) {
                reference.put(n, Owned.keep(f.load(n)));
            }
        }
    }

    Path adapterDir() {
        return dir.resolve("adapter");
    }

    Tensor get(String key) {
        Tensor t = reference.get(key);
        if (t == null) {
            throw new IllegalArgumentException(name + ": no reference tensor " + key);
        }
        return t;
    }

    boolean has(String key) {
        return reference.containsKey(key);
    }

    Map<String, Tensor> all() {
        return reference;
    }

    /** The unpadded prompts: row i's real tokens. */
    List<int[]> prompts() {
        long[] ids = Tensors.toLongs(get("input_ids"));
        long[] mask = Tensors.toLongs(get("attention_mask"));
        long b = get("input_ids").size(0);
        long t = get("input_ids").size(1);
        List<int[]> out = new java.util.ArrayList<>();
        for (int i = 0; i < b; i++) {
            java.util.List<Integer> row = new java.util.ArrayList<>();
            for (int j = 0; j < t; j++) {
                if (mask[(int) (i * t + j)] == 1) {
                    row.add((int) ids[(int) (i * t + j)]);
                }
            }
            out.add(row.stream().mapToInt(Integer::intValue).toArray());
        }
        return out;
    }

    @Override
    public void close() {
        reference.values().forEach(Owned::release);
    }
}
