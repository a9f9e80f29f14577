package dev.troupe.tensor.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/**
 * The weights of a Hugging Face checkpoint folder: {@code model.safetensors}, or the shards named
 * by {@code model.safetensors.index.json} ({@code {"weight_map": {tensor: shard file}}}). A tensor
 * name maps to exactly one shard; the index and the shards must agree.
 */
public final class SafetensorsCheckpoint implements TensorSource {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path folder;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> byName;

    private SafetensorsCheckpoint(
            Path folder, List<SafetensorsFile> shards, Map<String, SafetensorsFile> byName) {
        this.folder = folder;
        this.shards = shards;
        this.byName = byName;
    }

    /**
     * Opens the weights of a checkpoint folder.
     *
     * @throws CheckpointException naming the folder or file when no weights are found, the index is
     *     malformed, a shard is missing, or the index and a shard disagree
     */
    public static SafetensorsCheckpoint open(Path folder) {
        if (!Files.exists(folder)) {
            throw new CheckpointException(folder, "not a checkpoint folder (no such directory)");
        }
        if (!Files.isDirectory(folder)) {
            throw new CheckpointException(
                    folder, "not a checkpoint folder (a file, not a directory)");
        }
        Path index = folder.resolve(INDEX_FILE);
        if (Files.exists(index)) {
            return openSharded(folder, index);
        }
        Path single = folder.resolve(SINGLE_FILE);
        if (Files.exists(single)) {
            SafetensorsFile f = SafetensorsFile.open(single);
            Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
            for (String n : f.names()) {
                byName.put(n, f);
            }
            return new SafetensorsCheckpoint(folder, List.of(f), byName);
        }
        throw new CheckpointException(
                folder, "no weights: neither " + SINGLE_FILE + " nor " + INDEX_FILE + " is there");
    }

    private static SafetensorsCheckpoint openSharded(Path folder, Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(index));
        } catch (JsonProcessingException e) {
            throw new CheckpointException(index, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(index, "cannot read: " + e.getMessage(), e);
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new CheckpointException(index, "missing object field 'weight_map'");
        }
        // Compared as absolute paths: a relative folder such as "." has no parent to compare with.
        Path absoluteFolder = folder.toAbsolutePath().normalize();
        Map<String, SafetensorsFile> opened = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
                if (!e.getValue().isTextual()) {
                    throw new CheckpointException(
                            index, "weight_map entry '" + e.getKey() + "' is not a file name");
                }
                String shardName = e.getValue().asText();
                Path shardPath = folder.resolve(shardName).normalize();
                // Lexical, not toRealPath(): a Hugging Face cache snapshot holds symlinks to blobs
                // outside the folder, and those are fine.
                if (!absoluteFolder.equals(
                        absoluteFolder.resolve(shardName).normalize().getParent())) {
                    throw new CheckpointException(
                            index,
                            "shard '" + shardName + "' is not a file of the checkpoint folder");
                }
                SafetensorsFile shard = opened.get(shardName);
                if (shard == null) {
                    if (!Files.exists(shardPath)) {
                        throw new CheckpointException(
                                shardPath,
                                "missing shard: "
                                        + INDEX_FILE
                                        + " maps '"
                                        + e.getKey()
                                        + "' to it");
                    }
                    shard = SafetensorsFile.open(shardPath);
                    opened.put(shardName, shard);
                }
                if (!shard.contains(e.getKey())) {
                    throw new CheckpointException(
                            shardPath,
                            "no tensor named '"
                                    + e.getKey()
                                    + "', though "
                                    + INDEX_FILE
                                    + " says it is here");
                }
                byName.put(e.getKey(), shard);
            }
        } catch (RuntimeException e) {
            opened.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new SafetensorsCheckpoint(
                folder, List.copyOf(opened.values()), Collections.unmodifiableMap(byName));
    }

    public Path folder() {
        return folder;
    }

    /** The shard files, in index order. */
    public List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (SafetensorsFile f : shards) {
            out.add(f.file());
        }
        return out;
    }

    @Override
    public Set<String> names() {
        return byName.keySet();
    }

    @Override
    public TensorEntry entry(String name) {
        return shardOf(name).entry(name);
    }

    @Override
    public Tensor load(String name) {
        return shardOf(name).load(name);
    }

    private SafetensorsFile shardOf(String name) {
        SafetensorsFile f = byName.get(name);
        if (f == null) {
            throw new CheckpointException(
                    folder, "the checkpoint has no tensor named '" + name + "'");
        }
        return f;
    }

    @Override
    public void close() {
        shards.forEach(SafetensorsFile::close);
    }
}
