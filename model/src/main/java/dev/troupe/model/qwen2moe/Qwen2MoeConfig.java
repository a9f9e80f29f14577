package dev.troupe.model.qwen2moe;

import static dev.troupe.model.config.HfConfigSupport.orDefault;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.model.config.CommonConfig;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.config.HfConfig;
import dev.troupe.model.config.HfConfigSupport;
import dev.troupe.model.config.MoeSpec;
import java.util.List;

/**
 * {@code config.json} of {@code model_type: "qwen2_moe"} (Qwen1.5-MoE, Qwen2-57B-A14B), with
 * transformers 5.17's defaults: MoE layers every {@code decoder_sparse_step} layers except {@code
 * mlp_only_layers}, each with a shared expert gated by {@code sigmoid(shared_expert_gate(h))};
 * q/k/v biases from {@code qkv_bias} (default true). With {@code use_sliding_window}, the
 * even-indexed layers below {@code max_window_layers} use the window, as transformers lays them
 * out.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Qwen2MoeConfig(
        @JsonProperty("use_sliding_window") Boolean useSlidingWindow,
        @JsonProperty("sliding_window") Integer slidingWindow,
        @JsonProperty("max_window_layers") Integer maxWindowLayers,
        @JsonProperty("layer_types") JsonNode layerTypes,
        @JsonProperty("decoder_sparse_step") Integer decoderSparseStep,
        @JsonProperty("moe_intermediate_size") Integer moeIntermediateSize,
        @JsonProperty("shared_expert_intermediate_size") Integer sharedExpertIntermediateSize,
        @JsonProperty("num_experts_per_tok") Integer numExpertsPerTok,
        @JsonProperty("num_experts") Integer numExperts,
        @JsonProperty("norm_topk_prob") Boolean normTopkProb,
        @JsonProperty("mlp_only_layers") List<Integer> mlpOnlyLayers,
        @JsonProperty("qkv_bias") Boolean qkvBias)
        implements HfConfig {

    static final CommonConfig.Defaults DEFAULTS =
            new CommonConfig.Defaults(
                    151936, 2048, 5632, 24, 16, 16, null, 1e-6, 32768, 10_000.0, null, List.of());

    @Override
    public DecoderSpec toSpec(CommonConfig c) {
        int layers = c.layers(DEFAULTS);
        int experts = orDefault(numExperts, 60);
        int shared = orDefault(sharedExpertIntermediateSize, 5632);
        if (shared <= 0) {
            throw new IllegalArgumentException("shared_expert_intermediate_size must be > 0");
        }
        MoeSpec moe =
                new MoeSpec(
                        experts,
                        orDefault(numExpertsPerTok, 4),
                        orDefault(moeIntermediateSize, 1408),
                        orDefault(normTopkProb, false),
                        false,
                        shared,
                        MoeSpec.KeyStyle.QWEN);
        return c.toSpec(
                "qwen2_moe",
                DEFAULTS,
                new CommonConfig.Layout(
                        orDefault(qkvBias, true),
                        false,
                        false,
                        false,
                        windows(layers),
                        HfConfigSupport.qwenSparseLayers(
                                layers,
                                experts,
                                orDefault(decoderSparseStep, 1),
                                orDefault(mlpOnlyLayers, List.of())),
                        moe));
    }

    private int[] windows(int layers) {
        boolean on = orDefault(useSlidingWindow, false);
        Integer window = on ? orDefault(slidingWindow, 4096) : null;
        if (layerTypes != null && !layerTypes.isNull()) {
            return HfConfigSupport.windowsFromLayerTypes(layerTypes, layers, window);
        }
        int[] out = new int[layers];
        int maxWindow = orDefault(maxWindowLayers, 28);
        for (int i = 0; i < layers; i++) {
            boolean sliding = on && (i + 1) % 2 == 1 && i < maxWindow;
            out[i] = sliding ? window : 0;
        }
        return out;
    }
}
