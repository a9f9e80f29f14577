package dev.troupe.model.qwen2;

import static dev.troupe.model.config.HfConfigSupport.orDefault;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.model.config.CommonConfig;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.config.HfConfig;
import dev.troupe.model.config.HfConfigSupport;
import java.util.List;

/**
 * {@code config.json} of {@code model_type: "qwen2"} (Qwen2, Qwen2.5), with transformers 5.17's
 * defaults. q/k/v always carry biases, o does not. With {@code use_sliding_window}, layers from
 * {@code max_window_layers} on use a window of {@code sliding_window} tokens unless {@code
 * layer_types} says otherwise.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Qwen2Config(
        @JsonProperty("use_sliding_window") Boolean useSlidingWindow,
        @JsonProperty("sliding_window") Integer slidingWindow,
        @JsonProperty("max_window_layers") Integer maxWindowLayers,
        @JsonProperty("layer_types") JsonNode layerTypes)
        implements HfConfig {

    static final CommonConfig.Defaults DEFAULTS =
            new CommonConfig.Defaults(
                    151936, 4096, 22016, 32, 32, null, null, 1e-6, 32768, 10_000.0, null,
                    List.of());

    @Override
    public DecoderSpec toSpec(CommonConfig c) {
        int layers = c.layers(DEFAULTS);
        return c.toSpec(
                "qwen2",
                DEFAULTS,
                new CommonConfig.Layout(
                        true,
                        false,
                        false,
                        false,
                        qwenWindows(
                                layerTypes,
                                layers,
                                useSlidingWindow,
                                slidingWindow,
                                maxWindowLayers),
                        HfConfigSupport.allDense(layers),
                        null));
    }

    /**
     * Per-layer windows of the Qwen2/Qwen3 dense families: {@code sliding_window} applies only with
     * {@code use_sliding_window}, to layers {@code >= max_window_layers}.
     */
    public static int[] qwenWindows(
            JsonNode layerTypes,
            int layers,
            Boolean useSlidingWindow,
            Integer slidingWindow,
            Integer maxWindowLayers) {
        Integer window = orDefault(useSlidingWindow, false) ? orDefault(slidingWindow, 4096) : null;
        if (layerTypes != null && !layerTypes.isNull()) {
            return HfConfigSupport.windowsFromLayerTypes(layerTypes, layers, window);
        }
        int[] out = new int[layers];
        int firstSliding = orDefault(maxWindowLayers, 28);
        for (int i = 0; i < layers; i++) {
            out[i] = window != null && i >= firstSliding ? window : 0;
        }
        return out;
    }
}
