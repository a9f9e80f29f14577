package dev.troupe.model.qwen3;

import static dev.troupe.model.config.HfConfigSupport.orDefault;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.model.config.CommonConfig;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.config.HfConfig;
import dev.troupe.model.config.HfConfigSupport;
import dev.troupe.model.qwen2.Qwen2Config;
import java.util.List;

/**
 * {@code config.json} of {@code model_type: "qwen3"} (dense Qwen3), with transformers 5.17's
 * defaults: per-head RMSNorm on q and k before RoPE, {@code head_dim} 128 unless set, 32 key/value
 * heads unless set, biases on q/k/v/o from {@code attention_bias}; sliding windows as in Qwen2.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Qwen3Config(
        @JsonProperty("attention_bias") Boolean attentionBias,
        @JsonProperty("use_sliding_window") Boolean useSlidingWindow,
        @JsonProperty("sliding_window") Integer slidingWindow,
        @JsonProperty("max_window_layers") Integer maxWindowLayers,
        @JsonProperty("layer_types") JsonNode layerTypes)
        implements HfConfig {

    static final CommonConfig.Defaults DEFAULTS =
            new CommonConfig.Defaults(
                    151936, 4096, 22016, 32, 32, 32, 128, 1e-6, 32768, 10_000.0, null, List.of());

    @Override
    public DecoderSpec toSpec(CommonConfig c) {
        int layers = c.layers(DEFAULTS);
        boolean bias = orDefault(attentionBias, false);
        return c.toSpec(
                "qwen3",
                DEFAULTS,
                new CommonConfig.Layout(
                        bias,
                        bias,
                        false,
                        true,
                        Qwen2Config.qwenWindows(
                                layerTypes,
                                layers,
                                useSlidingWindow,
                                slidingWindow,
                                maxWindowLayers),
                        HfConfigSupport.allDense(layers),
                        null));
    }
}
