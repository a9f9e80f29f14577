package dev.troupe.model.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Parsing shared by the family configs: RoPE dictionaries, token-id lists, layer types. */
public final class HfConfigSupport {
    private HfConfigSupport() {}

    /**
     * The rotary embedding from {@code rope_parameters} (transformers 5) or {@code rope_scaling}
     * plus {@code rope_theta} (earlier checkpoints), with transformers' precedence: values inside
     * the dictionary first, then the top-level {@code rope_theta}, then the family default.
     */
    public static RopeSpec rope(
            JsonNode ropeParameters,
            JsonNode ropeScaling,
            Double ropeTheta,
            double defaultTheta,
            int maxPositionEmbeddings) {
        JsonNode dict = present(ropeScaling) ? ropeScaling : ropeParameters;
        if (present(ropeScaling) && present(ropeParameters)) {
            dict = ropeScaling;
        }
        double theta = ropeTheta != null ? ropeTheta : defaultTheta;
        if (!present(dict)) {
            return RopeSpec.plain(theta);
        }
        if (!dict.isObject()) {
            throw new IllegalArgumentException("rope_parameters/rope_scaling must be an object");
        }
        if (dict.has("rope_theta") && !dict.get("rope_theta").isNull()) {
            theta = number(dict, "rope_theta");
        }
        String typeName = "default";
        if (dict.hasNonNull("rope_type")) {
            typeName = dict.get("rope_type").asText();
        } else if (dict.hasNonNull("type")) {
            typeName = dict.get("type").asText();
        }
        RopeSpec.Type type = RopeSpec.Type.fromHfName(typeName);
        if (dict.hasNonNull("partial_rotary_factor")
                && number(dict, "partial_rotary_factor") != 1.0) {
            throw new IllegalArgumentException(
                    "rope partial_rotary_factor other than 1.0 is not supported");
        }
        int originalMax =
                dict.hasNonNull("original_max_position_embeddings")
                        ? (int) number(dict, "original_max_position_embeddings")
                        : maxPositionEmbeddings;
        double factor = 1.0;
        if (type != RopeSpec.Type.DEFAULT) {
            if (!dict.hasNonNull("factor")) {
                if (type == RopeSpec.Type.YARN) {
                    factor = (double) maxPositionEmbeddings / originalMax;
                } else {
                    throw new IllegalArgumentException(
                            "rope type '" + typeName + "' needs 'factor'");
                }
            } else {
                factor = number(dict, "factor");
            }
            if (factor < 1.0 && type != RopeSpec.Type.YARN) {
                throw new IllegalArgumentException("rope 'factor' must be >= 1, got " + factor);
            }
        }
        double low = 1.0;
        double high = 4.0;
        if (type == RopeSpec.Type.LLAMA3) {
            for (String k : List.of("low_freq_factor", "high_freq_factor")) {
                if (!dict.hasNonNull(k)) {
                    throw new IllegalArgumentException("rope type 'llama3' needs '" + k + "'");
                }
            }
            low = number(dict, "low_freq_factor");
            high = number(dict, "high_freq_factor");
            if (high <= low) {
                throw new IllegalArgumentException(
                        "rope high_freq_factor must exceed low_freq_factor");
            }
        }
        Double attentionFactor =
                dict.hasNonNull("attention_factor") ? number(dict, "attention_factor") : null;
        // transformers: beta_fast = get("beta_fast") or 32, so a 0 also means the default.
        double betaFast = dict.hasNonNull("beta_fast") ? number(dict, "beta_fast") : 0;
        double betaSlow = dict.hasNonNull("beta_slow") ? number(dict, "beta_slow") : 0;
        Double mscale = dict.hasNonNull("mscale") ? number(dict, "mscale") : null;
        Double mscaleAllDim =
                dict.hasNonNull("mscale_all_dim") ? number(dict, "mscale_all_dim") : null;
        boolean truncate = !dict.has("truncate") || dict.get("truncate").asBoolean(true);
        return new RopeSpec(
                type,
                theta,
                factor,
                low,
                high,
                originalMax,
                attentionFactor,
                betaFast == 0 ? 32 : betaFast,
                betaSlow == 0 ? 1 : betaSlow,
                mscale,
                mscaleAllDim,
                truncate);
    }

    private static boolean present(JsonNode n) {
        return n != null && !n.isNull() && !(n.isObject() && n.isEmpty());
    }

    private static double number(JsonNode dict, String key) {
        JsonNode v = dict.get(key);
        if (!v.isNumber()) {
            throw new IllegalArgumentException("rope '" + key + "' must be a number, got " + v);
        }
        return v.asDouble();
    }

    /** An id or list of ids ({@code eos_token_id} may be either); empty for null. */
    public static List<Integer> tokenIds(JsonNode node, String key) {
        List<Integer> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (node.isIntegralNumber()) {
            out.add(node.asInt());
            return out;
        }
        if (node.isArray()) {
            for (JsonNode n : node) {
                if (!n.isIntegralNumber()) {
                    throw new IllegalArgumentException(
                            "'" + key + "' entries must be integers, got " + n);
                }
                out.add(n.asInt());
            }
            return out;
        }
        throw new IllegalArgumentException(
                "'" + key + "' must be an integer or a list, got " + node);
    }

    /** A single id, or -1 when absent. */
    public static int tokenId(Integer id) {
        return id == null ? -1 : id;
    }

    /**
     * Per-layer windows from an explicit {@code layer_types} list ("full_attention" /
     * "sliding_attention").
     */
    public static int[] windowsFromLayerTypes(JsonNode layerTypes, int numLayers, Integer window) {
        if (!layerTypes.isArray() || layerTypes.size() != numLayers) {
            throw new IllegalArgumentException(
                    "'layer_types' must list one type per layer (" + numLayers + ")");
        }
        int[] out = new int[numLayers];
        for (int i = 0; i < numLayers; i++) {
            String t = layerTypes.get(i).asText();
            switch (t) {
                case "full_attention" -> out[i] = 0;
                case "sliding_attention" -> {
                    if (window == null || window <= 0) {
                        throw new IllegalArgumentException(
                                "layer "
                                        + i
                                        + " is sliding_attention but sliding_window is not set");
                    }
                    out[i] = window;
                }
                default ->
                        throw new IllegalArgumentException(
                                "'layer_types' entry '"
                                        + t
                                        + "' is not supported (valid: full_attention,"
                                        + " sliding_attention)");
            }
        }
        return out;
    }

    public static int[] uniformWindows(int numLayers, int window) {
        int[] out = new int[numLayers];
        java.util.Arrays.fill(out, Math.max(window, 0));
        return out;
    }

    public static boolean[] allDense(int numLayers) {
        return new boolean[numLayers];
    }

    /** Layers that are MoE in the Qwen-MoE families: not in mlp_only_layers, every sparse step. */
    public static boolean[] qwenSparseLayers(
            int numLayers, int numExperts, int decoderSparseStep, List<Integer> mlpOnlyLayers) {
        if (decoderSparseStep <= 0) {
            throw new IllegalArgumentException("decoder_sparse_step must be > 0");
        }
        boolean[] out = new boolean[numLayers];
        for (int i = 0; i < numLayers; i++) {
            out[i] =
                    !mlpOnlyLayers.contains(i)
                            && numExperts > 0
                            && (i + 1) % decoderSparseStep == 0;
        }
        return out;
    }

    public static <T> T orDefault(T value, T dflt) {
        return value != null ? value : dflt;
    }
}
