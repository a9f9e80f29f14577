package dev.troupe.model.mistral;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.model.config.CommonConfig;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.config.HfConfig;
import dev.troupe.model.config.HfConfigSupport;
import java.util.List;

/**
 * {@code config.json} of {@code model_type: "mistral"}, with transformers 5.17's defaults. Every
 * layer attends within {@code sliding_window} tokens (4096 when the key is absent, none when it is
 * null); no biases.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MistralConfig(@JsonProperty("sliding_window") JsonNode slidingWindow)
        implements HfConfig {

    static final CommonConfig.Defaults DEFAULTS =
            new CommonConfig.Defaults(
                    32000, 4096, 14336, 32, 32, 8, null, 1e-6, 4096 * 32, 10_000.0, 1, List.of(2));

    @Override
    public DecoderSpec toSpec(CommonConfig c) {
        int layers = c.layers(DEFAULTS);
        return c.toSpec(
                "mistral",
                DEFAULTS,
                new CommonConfig.Layout(
                        false,
                        false,
                        false,
                        false,
                        HfConfigSupport.uniformWindows(layers, window(slidingWindow, 4096)),
                        HfConfigSupport.allDense(layers),
                        null));
    }

    /**
     * The window from a {@code sliding_window} node: its default when absent, 0 (none) when null.
     */
    public static int window(JsonNode node, int absentDefault) {
        if (node == null) {
            return absentDefault;
        }
        if (node.isNull()) {
            return 0;
        }
        if (!node.isIntegralNumber() || node.asInt() < 0) {
            throw new IllegalArgumentException(
                    "sliding_window must be a non-negative integer or null");
        }
        return node.asInt();
    }
}
