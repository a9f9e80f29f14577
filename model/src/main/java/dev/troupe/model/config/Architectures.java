package dev.troupe.model.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.model.llama.LlamaConfig;
import dev.troupe.model.mistral.MistralConfig;
import dev.troupe.model.mixtral.MixtralConfig;
import dev.troupe.model.qwen2.Qwen2Config;
import dev.troupe.model.qwen2moe.Qwen2MoeConfig;
import dev.troupe.model.qwen3.Qwen3Config;
import dev.troupe.model.qwen3moe.Qwen3MoeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The registry of supported architectures: {@code model_type} to its config record. A checkpoint is
 * recognised by {@code model_type}, or failing that by {@code architectures[0]} ({@code
 * Qwen2ForCausalLM} and the like). An unknown type fails and lists the supported ones.
 */
public final class Architectures {
    private static final Map<String, Class<? extends HfConfig>> BY_MODEL_TYPE =
            new LinkedHashMap<>();
    private static final Map<String, String> BY_ARCHITECTURE = new LinkedHashMap<>();

    static {
        register("llama", "LlamaForCausalLM", LlamaConfig.class);
        register("mistral", "MistralForCausalLM", MistralConfig.class);
        register("qwen2", "Qwen2ForCausalLM", Qwen2Config.class);
        register("qwen3", "Qwen3ForCausalLM", Qwen3Config.class);
        register("qwen2_moe", "Qwen2MoeForCausalLM", Qwen2MoeConfig.class);
        register("qwen3_moe", "Qwen3MoeForCausalLM", Qwen3MoeConfig.class);
        register("mixtral", "MixtralForCausalLM", MixtralConfig.class);
    }

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private Architectures() {}

    private static void register(
            String modelType, String architecture, Class<? extends HfConfig> cls) {
        BY_MODEL_TYPE.put(modelType, cls);
        BY_ARCHITECTURE.put(architecture, modelType);
    }

    /** Supported {@code model_type} values, comma-separated. */
    public static String supported() {
        return String.join(", ", BY_MODEL_TYPE.keySet());
    }

    /**
     * Reads {@code config.json} of a checkpoint folder (or the file itself).
     *
     * @throws ModelConfigException naming the file and the key when the file is missing or
     *     malformed, a value has the wrong type or is out of range, or the architecture is unknown
     */
    public static DecoderSpec readSpec(Path configPathOrFolder) {
        Path file =
                Files.isDirectory(configPathOrFolder)
                        ? configPathOrFolder.resolve("config.json")
                        : configPathOrFolder;
        if (!Files.exists(file)) {
            throw new ModelConfigException(
                    file, "no such file (a Hugging Face checkpoint needs config.json)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new ModelConfigException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelConfigException(file, "cannot read: " + e.getMessage(), e);
        }
        return specOf(root, file);
    }

    /**
     * The spec of a parsed {@code config.json}; {@code file} names it in errors.
     *
     * @throws ModelConfigException as {@link #readSpec}
     */
    public static DecoderSpec specOf(JsonNode root, Path file) {
        if (root == null || !root.isObject()) {
            throw new ModelConfigException(file, "not a JSON object");
        }
        String modelType = modelType(file, root);
        Class<? extends HfConfig> cls = BY_MODEL_TYPE.get(modelType);
        if (cls == null) {
            throw new ModelConfigException(
                    file,
                    "unsupported model_type '" + modelType + "' (supported: " + supported() + ")");
        }
        HfConfig config;
        CommonConfig common;
        try {
            common = JSON.treeToValue(root, CommonConfig.class);
            config = JSON.treeToValue(root, cls);
        } catch (JsonMappingException e) {
            String key =
                    e.getPath().stream()
                            .map(
                                    r ->
                                            r.getFieldName() != null
                                                    ? r.getFieldName()
                                                    : "[" + r.getIndex() + "]")
                            .collect(Collectors.joining("."));
            throw new ModelConfigException(
                    file,
                    "key '" + key + "' has a value of the wrong type: " + e.getOriginalMessage(),
                    e);
        } catch (JsonProcessingException e) {
            throw new ModelConfigException(file, e.getOriginalMessage(), e);
        }
        try {
            return config.toSpec(common);
        } catch (IllegalArgumentException e) {
            throw new ModelConfigException(file, e.getMessage(), e);
        }
    }

    private static String modelType(Path file, JsonNode root) {
        JsonNode mt = root.get("model_type");
        if (mt != null && mt.isTextual()) {
            return mt.asText();
        }
        JsonNode archs = root.get("architectures");
        if (archs != null && archs.isArray() && archs.size() > 0) {
            String arch = archs.get(0).asText();
            String known = BY_ARCHITECTURE.get(arch);
            if (known == null) {
                throw new ModelConfigException(
                        file,
                        "no model_type, and architecture '"
                                + arch
                                + "' is not supported (supported: "
                                + String.join(", ", BY_ARCHITECTURE.keySet())
                                + ")");
            }
            return known;
        }
        throw new ModelConfigException(file, "missing 'model_type' (and no 'architectures')");
    }
}
