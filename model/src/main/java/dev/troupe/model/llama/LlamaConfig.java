package dev.troupe.model.llama;

import static dev.troupe.model.config.HfConfigSupport.orDefault;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.troupe.model.config.CommonConfig;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.config.HfConfig;
import dev.troupe.model.config.HfConfigSupport;
import java.util.List;

/**
 * {@code config.json} of {@code model_type: "llama"}, with transformers 5.17's defaults ({@code
 * LlamaConfig}). Biases on q/k/v/o follow {@code attention_bias}, on the MLP {@code mlp_bias}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LlamaConfig(
        @JsonProperty("attention_bias") Boolean attentionBias,
        @JsonProperty("mlp_bias") Boolean mlpBias)
        implements HfConfig {

    static final CommonConfig.Defaults DEFAULTS =
            new CommonConfig.Defaults(
                    32000, 4096, 11008, 32, 32, null, null, 1e-6, 2048, 10_000.0, 1, List.of(2));

    @Override
    public DecoderSpec toSpec(CommonConfig c) {
        int layers = c.layers(DEFAULTS);
        boolean bias = orDefault(attentionBias, false);
        return c.toSpec(
                "llama",
                DEFAULTS,
                new CommonConfig.Layout(
                        bias,
                        bias,
                        orDefault(mlpBias, false),
                        false,
                        HfConfigSupport.uniformWindows(layers, 0),
                        HfConfigSupport.allDense(layers),
                        null));
    }
}
