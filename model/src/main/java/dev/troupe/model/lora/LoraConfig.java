package dev.troupe.model.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A LoRA configuration with PEFT's semantics and field names, so that it reads and writes {@code
 * adapter_config.json}.
 *
 * @param r rank
 * @param loraAlpha alpha; the update is scaled by {@code alpha / r} ({@code alpha / sqrt(r)} with
 *     rsLoRA)
 * @param loraDropout dropout on the input of A during training (not allowed on experts, as in PEFT)
 * @param targetModules module names matched as PEFT matches them: equal, or a suffix after a dot;
 *     {@code ["all-linear"]} for every linear layer but the LM head
 * @param targetModulesRegex when non-null, a regex that must match a whole module path instead
 * @param targetParameters 3-D expert parameters, e.g. {@code "mlp.experts.gate_up_proj"}
 * @param useRslora scale by {@code alpha / sqrt(r)}
 * @param rankPattern per-module rank overrides (PEFT {@code rank_pattern})
 * @param alphaPattern per-module alpha overrides (PEFT {@code alpha_pattern})
 * @param layersToTransform only these layer indices, or null for all
 * @param initLoraWeights "true" (A Kaiming-uniform, B zero), "gaussian" (A ~ N(0, 1/r), B zero) or
 *     "false" (both random, so the adapter starts non-zero; for tests)
 */
public record LoraConfig(
        int r,
        double loraAlpha,
        double loraDropout,
        List<String> targetModules,
        String targetModulesRegex,
        List<String> targetParameters,
        boolean useRslora,
        Map<String, Integer> rankPattern,
        Map<String, Double> alphaPattern,
        List<Integer> layersToTransform,
        String initLoraWeights) {

    public static final String ALL_LINEAR = "all-linear";

    public LoraConfig {
        if (r <= 0) {
            throw new IllegalArgumentException("r must be > 0, got " + r);
        }
        if (loraAlpha <= 0) {
            throw new IllegalArgumentException("lora_alpha must be > 0, got " + loraAlpha);
        }
        if (loraDropout < 0 || loraDropout >= 1) {
            throw new IllegalArgumentException(
                    "lora_dropout must be in [0, 1), got " + loraDropout);
        }
        targetModules = List.copyOf(targetModules);
        targetParameters = List.copyOf(targetParameters);
        rankPattern = Map.copyOf(rankPattern);
        alphaPattern = Map.copyOf(alphaPattern);
        layersToTransform = layersToTransform == null ? null : List.copyOf(layersToTransform);
        if (!List.of("true", "false", "gaussian").contains(initLoraWeights)) {
            throw new IllegalArgumentException(
                    "init_lora_weights '" + initLoraWeights + "' (valid: true, false, gaussian)");
        }
        if (targetModules.isEmpty() && targetModulesRegex == null && targetParameters.isEmpty()) {
            throw new IllegalArgumentException(
                    "no target_modules and no target_parameters: the adapter would adapt nothing");
        }
        if (targetModules.contains(ALL_LINEAR) && targetModules.size() > 1) {
            // PEFT reads "all-linear" only as the whole target_modules string; in a list it is a
            // module-name suffix matching nothing, so a saved ["all-linear", "lm_head"] would
            // adapt another set of modules there than here.
            throw new IllegalArgumentException(
                    "target_modules "
                            + targetModules
                            + ": \"all-linear\" must be alone; name the modules instead (e.g."
                            + " q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj,"
                            + " lm_head)");
        }
        if (!targetParameters.isEmpty() && loraDropout > 0) {
            throw new IllegalArgumentException(
                    "lora_dropout must be 0 with target_parameters (PEFT cannot apply it to experts)");
        }
    }

    /** The common configuration: rank {@code r}, alpha, named modules, no dropout. */
    public static LoraConfig of(int r, double alpha, List<String> targetModules) {
        return new LoraConfig(
                r,
                alpha,
                0.0,
                targetModules,
                null,
                List.of(),
                false,
                Map.of(),
                Map.of(),
                null,
                "true");
    }

    public LoraConfig withTargetParameters(List<String> params) {
        return new LoraConfig(
                r,
                loraAlpha,
                loraDropout,
                targetModules,
                targetModulesRegex,
                params,
                useRslora,
                rankPattern,
                alphaPattern,
                layersToTransform,
                initLoraWeights);
    }

    public LoraConfig withInit(String init) {
        return new LoraConfig(
                r,
                loraAlpha,
                loraDropout,
                targetModules,
                targetModulesRegex,
                targetParameters,
                useRslora,
                rankPattern,
                alphaPattern,
                layersToTransform,
                init);
    }

    public LoraConfig withDropout(double dropout) {
        return new LoraConfig(
                r,
                loraAlpha,
                dropout,
                targetModules,
                targetModulesRegex,
                targetParameters,
                useRslora,
                rankPattern,
                alphaPattern,
                layersToTransform,
                initLoraWeights);
    }

    public LoraConfig withRslora(boolean rslora) {
        return new LoraConfig(
                r,
                loraAlpha,
                loraDropout,
                targetModules,
                targetModulesRegex,
                targetParameters,
                rslora,
                rankPattern,
                alphaPattern,
                layersToTransform,
                initLoraWeights);
    }

    /** Whether a linear module path is targeted (PEFT's {@code check_target_module_exists}). */
    public boolean targetsModule(String path, int layerIndex) {
        if (!inLayers(layerIndex)) {
            return false;
        }
        if (targetModulesRegex != null) {
            return Pattern.compile(targetModulesRegex).matcher(path).matches();
        }
        if (targetModules.contains(ALL_LINEAR)) {
            return !path.equals("lm_head");
        }
        return matchesSuffix(targetModules, path);
    }

    /** Whether a 3-D parameter path ("model.layers.0.mlp.experts.gate_up_proj") is targeted. */
    public boolean targetsParameter(String path, int layerIndex) {
        return inLayers(layerIndex) && matchesSuffix(targetParameters, path);
    }

    private boolean inLayers(int layerIndex) {
        return layersToTransform == null
                || layerIndex < 0
                || layersToTransform.contains(layerIndex);
    }

    private static boolean matchesSuffix(List<String> names, String path) {
        for (String n : names) {
            if (path.equals(n) || path.endsWith("." + n)) {
                return true;
            }
        }
        return false;
    }

    /** The rank for a module, after {@code rank_pattern}. */
    public int rankFor(String path) {
        String key = patternKey(rankPattern.keySet(), path);
        return key == null ? r : rankPattern.get(key);
    }

    /** The alpha for a module, after {@code alpha_pattern}. */
    public double alphaFor(String path) {
        String key = patternKey(alphaPattern.keySet(), path);
        return key == null ? loraAlpha : alphaPattern.get(key);
    }

    /** The scaling of a module's update. */
    public double scalingFor(String path) {
        int rank = rankFor(path);
        double alpha = alphaFor(path);
        return useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    /**
     * PEFT's {@code get_pattern_key}: an exact key, else a key matching a trailing path segment.
     */
    private static String patternKey(Iterable<String> keys, String path) {
        for (String k : keys) {
            if (k.equals(path)) {
                return k;
            }
        }
        for (String k : keys) {
            if (Pattern.compile("(.*\\.)?(" + k + ")$").matcher(path).matches()) {
                return k;
            }
        }
        return null;
    }

    /**
     * Reads PEFT's {@code adapter_config.json}.
     *
     * @throws IllegalArgumentException naming the key when a value is malformed or asks for a PEFT
     *     feature Troupe does not implement (DoRA, bias training, modules_to_save, fan_in_fan_out)
     */
    public static LoraConfig fromPeftJson(JsonNode n, Path file) {
        String where = file + ": ";
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException(where + "not a JSON object");
        }
        String type = n.path("peft_type").asText("LORA");
        if (!type.equals("LORA")) {
            throw new IllegalArgumentException(where + "peft_type '" + type + "' is not LORA");
        }
        rejectIf(
                n.path("use_dora").asBoolean(false),
                where + "use_dora=true (DoRA) is not supported");
        rejectIf(
                !n.path("bias").asText("none").equals("none"),
                where + "bias='" + n.path("bias").asText() + "' is not supported (only 'none')");
        rejectIf(
                n.path("fan_in_fan_out").asBoolean(false),
                where + "fan_in_fan_out=true is not supported");
        JsonNode mts = n.get("modules_to_save");
        rejectIf(
                mts != null && !mts.isNull() && !(mts.isArray() && mts.isEmpty()),
                where + "modules_to_save is not supported");
        JsonNode lp = n.get("layers_pattern");
        rejectIf(
                lp != null && !lp.isNull() && !lp.asText().equals("layers"),
                where
                        + "layers_pattern '"
                        + (lp == null ? "" : lp.asText())
                        + "' is not supported");
        int r = intField(n, "r", 8, where);
        double alpha = n.has("lora_alpha") ? n.get("lora_alpha").asDouble() : 8;
        double dropout = n.path("lora_dropout").asDouble(0.0);
        List<String> modules = new java.util.ArrayList<>();
        String regex = null;
        JsonNode tm = n.get("target_modules");
        if (tm != null && tm.isTextual()) {
            if (tm.asText().equals(ALL_LINEAR)) {
                modules.add(ALL_LINEAR);
            } else {
                regex = tm.asText();
            }
        } else if (tm != null && tm.isArray()) {
            tm.forEach(x -> modules.add(x.asText()));
        } else if (tm != null && !tm.isNull()) {
            throw new IllegalArgumentException(where + "target_modules must be a list or a string");
        }
        List<String> params = new java.util.ArrayList<>();
        JsonNode tp = n.get("target_parameters");
        if (tp != null && tp.isArray()) {
            tp.forEach(x -> params.add(x.asText()));
        }
        Map<String, Integer> ranks = new LinkedHashMap<>();
        n.path("rank_pattern")
                .properties()
                .forEach(e -> ranks.put(e.getKey(), e.getValue().asInt()));
        Map<String, Double> alphas = new LinkedHashMap<>();
        n.path("alpha_pattern")
                .properties()
                .forEach(e -> alphas.put(e.getKey(), e.getValue().asDouble()));
        List<Integer> layers = null;
        JsonNode lt = n.get("layers_to_transform");
        if (lt != null && lt.isIntegralNumber()) {
            layers = List.of(lt.asInt());
        } else if (lt != null && lt.isArray()) {
            layers = new java.util.ArrayList<>();
            for (JsonNode x : lt) {
                layers.add(x.asInt());
            }
        }
        JsonNode init = n.get("init_lora_weights");
        String initName =
                init == null || init.isNull()
                        ? "true"
                        : init.asText().toLowerCase(java.util.Locale.ROOT);
        if (!List.of("true", "false", "gaussian").contains(initName)) {
            // Other PEFT initialisations (pissa, olora, ...) only matter when creating an adapter.
            initName = "true";
        }
        try {
            return new LoraConfig(
                    r,
                    alpha,
                    dropout,
                    modules,
                    regex,
                    params,
                    n.path("use_rslora").asBoolean(false),
                    ranks,
                    alphas,
                    layers,
                    initName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + e.getMessage(), e);
        }
    }

    private static int intField(JsonNode n, String key, int dflt, String where) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isIntegralNumber()) {
            throw new IllegalArgumentException(
                    where + "'" + key + "' must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static void rejectIf(boolean bad, String message) {
        if (bad) {
            throw new IllegalArgumentException(message);
        }
    }

    /** PEFT's {@code adapter_config.json} for this configuration. */
    public ObjectNode toPeftJson(ObjectMapper json, String baseModelNameOrPath) {
        ObjectNode n = json.createObjectNode();
        ObjectNode alphas = n.putObject("alpha_pattern");
        alphaPattern.forEach(alphas::put);
        n.putNull("auto_mapping");
        n.put("base_model_name_or_path", baseModelNameOrPath);
        n.put("bias", "none");
        n.put("fan_in_fan_out", false);
        n.put("inference_mode", true);
        if (initLoraWeights.equals("gaussian")) {
            n.put("init_lora_weights", "gaussian");
        } else {
            n.put("init_lora_weights", Boolean.parseBoolean(initLoraWeights));
        }
        if (layersToTransform == null) {
            n.putNull("layers_to_transform");
            n.putNull("layers_pattern");
        } else {
            ArrayNode lt = n.putArray("layers_to_transform");
            layersToTransform.forEach(lt::add);
            n.put("layers_pattern", "layers");
        }
        if (loraAlpha == Math.rint(loraAlpha)) {
            n.put("lora_alpha", (long) loraAlpha); // PEFT writes integer alphas as integers
        } else {
            n.put("lora_alpha", loraAlpha);
        }
        n.put("lora_dropout", loraDropout);
        n.putNull("modules_to_save");
        n.put("peft_type", "LORA");
        n.put("r", r);
        ObjectNode ranks = n.putObject("rank_pattern");
        rankPattern.forEach(ranks::put);
        n.putNull("revision");
        if (targetModulesRegex != null) {
            n.put("target_modules", targetModulesRegex);
        } else if (targetModules.equals(List.of(ALL_LINEAR))) {
            n.put("target_modules", ALL_LINEAR);
        } else {
            ArrayNode tm = n.putArray("target_modules");
            targetModules.forEach(tm::add);
        }
        if (targetParameters.isEmpty()) {
            n.putNull("target_parameters");
        } else {
            ArrayNode tp = n.putArray("target_parameters");
            targetParameters.forEach(tp::add);
        }
        n.put("task_type", "CAUSAL_LM");
        n.put("use_dora", false);
        n.put("use_rslora", useRslora);
        return n;
    }
}
