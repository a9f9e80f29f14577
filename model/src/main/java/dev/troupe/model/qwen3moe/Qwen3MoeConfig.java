package dev.troupe.model.qwen3moe;

import static dev.troupe.model.config.HfConfigSupport.orDefault;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.troupe.model.config.CommonConfig;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.config.HfConfig;
import dev.troupe.model.config.HfConfigSupport;
import dev.troupe.model.config.MoeSpec;
import java.util.List;

/**
 * {@code config.json} of {@code model_type: "qwen3_moe"} (Qwen3-30B-A3B, Qwen3-235B-A22B), with
 * transformers 5.17's defaults: q/k RMSNorm, biases on q/k/v/o from {@code attention_bias}, MoE
 * layers without a shared expert; with {@code use_sliding_window} every layer uses the window. The
 * expert count is {@code num_experts}, which transformers 5 writes as {@code num_local_experts}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Qwen3MoeConfig(
        @JsonProperty("attention_bias") Boolean attentionBias,
        @JsonProperty("use_sliding_window") Boolean useSlidingWindow,
        @JsonProperty("sliding_window") Integer slidingWindow,
        @JsonProperty("decoder_sparse_step") Integer decoderSparseStep,
        @JsonProperty("moe_intermediate_size") Integer moeIntermediateSize,
        @JsonProperty("num_experts_per_tok") Integer numExpertsPerTok,
        @JsonProperty("num_experts") Integer numExperts,
        @JsonProperty("num_local_experts") Integer numLocalExperts,
        @JsonProperty("norm_topk_prob") Boolean normTopkProb,
        @JsonProperty("mlp_only_layers") List<Integer> mlpOnlyLayers)
        implements HfConfig {

    static final CommonConfig.Defaults DEFAULTS =
            new CommonConfig.Defaults(
                    151936, 2048, 6144, 24, 32, 4, null, 1e-6, 32768, 10_000.0, null, List.of());

    @Override
    public DecoderSpec toSpec(CommonConfig c) {
        int layers = c.layers(DEFAULTS);
        int experts = orDefault(numExperts, orDefault(numLocalExperts, 128));
        boolean bias = orDefault(attentionBias, false);
        int window = orDefault(useSlidingWindow, false) ? orDefault(slidingWindow, 4096) : 0;
        MoeSpec moe =
                new MoeSpec(
                        experts,
                        orDefault(numExpertsPerTok, 8),
                        orDefault(moeIntermediateSize, 768),
                        orDefault(normTopkProb, false),
                        false,
                        0,
                        MoeSpec.KeyStyle.QWEN);
        return c.toSpec(
                "qwen3_moe",
                DEFAULTS,
                new CommonConfig.Layout(
                        bias,
                        bias,
                        false,
                        true,
                        HfConfigSupport.uniformWindows(layers, window),
                        HfConfigSupport.qwenSparseLayers(
                                layers,
                                experts,
                                orDefault(decoderSparseStep, 1),
                                orDefault(mlpOnlyLayers, List.of())),
                        moe));
    }
}
