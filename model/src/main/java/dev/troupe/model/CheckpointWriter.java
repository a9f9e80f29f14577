package dev.troupe.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.tensor.safetensors.CheckpointException;
import dev.troupe.tensor.safetensors.SafetensorsCheckpoint;
import dev.troupe.tensor.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Writes a Hugging Face checkpoint folder: {@code config.json} and the weights as one {@code
 * model.safetensors}, or as {@code model-0000N-of-0000M.safetensors} shards with {@code
 * model.safetensors.index.json} when they exceed the shard size. Each file is written atomically;
 * {@code config.json} last, so a folder with a config is complete.
 */
public final class CheckpointWriter {
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Files a tokenizer brings along, copied by {@link #copyTokenizer}. */
    public static final List<String> TOKENIZER_FILES =
            List.of(
                    "tokenizer.json",
                    "tokenizer_config.json",
                    "chat_template.jinja",
                    "special_tokens_map.json",
                    "generation_config.json");

    private CheckpointWriter() {}

    /**
     * @param config the config.json to write
     * @param weights tensors by hub name, in file order
     * @param maxShardBytes start a new shard before one would exceed this
     */
    public static void write(
            Path folder, JsonNode config, Map<String, Tensor> weights, long maxShardBytes) {
        try {
            Files.createDirectories(folder);
            List<Map<String, Tensor>> shards = new ArrayList<>();
            Map<String, Tensor> current = new LinkedHashMap<>();
            long currentBytes = 0;
            long total = 0;
            for (Map.Entry<String, Tensor> e : weights.entrySet()) {
                long n = e.getValue().nbytes();
                if (!current.isEmpty() && currentBytes + n > maxShardBytes) {
                    shards.add(current);
                    current = new LinkedHashMap<>();
                    currentBytes = 0;
                }
                current.put(e.getKey(), e.getValue());
                currentBytes += n;
                total += n;
            }
            shards.add(current);
            Map<String, String> meta = Map.of("format", "pt");
            if (shards.size() == 1) {
                SafetensorsWriter.write(
                        folder.resolve(SafetensorsCheckpoint.SINGLE_FILE), current, meta);
            } else {
                ObjectNode index = JSON.createObjectNode();
                index.putObject("metadata").put("total_size", total);
                ObjectNode map = index.putObject("weight_map");
                for (int i = 0; i < shards.size(); i++) {
                    String file =
                            String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                    SafetensorsWriter.write(folder.resolve(file), shards.get(i), meta);
                    for (String k : shards.get(i).keySet()) {
                        map.put(k, file);
                    }
                }
                writeAtomically(
                        folder.resolve(SafetensorsCheckpoint.INDEX_FILE),
                        JSON.writeValueAsBytes(index));
            }
            writeAtomically(folder.resolve("config.json"), JSON.writeValueAsBytes(config));
        } catch (IOException e) {
            throw new CheckpointException(folder, "cannot write checkpoint: " + e.getMessage(), e);
        }
    }

    /** Copies the tokenizer files that exist in {@code from} to {@code to}. */
    public static void copyTokenizer(Path from, Path to) {
        try {
            Files.createDirectories(to);
            for (String f : TOKENIZER_FILES) {
                Path src = from.resolve(f);
                if (Files.isRegularFile(src)) {
                    Files.copy(src, to.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(to, "cannot copy tokenizer files: " + e.getMessage(), e);
        }
    }

    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp =
                Files.createTempFile(
                        file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(
                    tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
