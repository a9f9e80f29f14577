package dev.troupe.model.mixtral;

import static dev.troupe.model.config.HfConfigSupport.orDefault;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.model.config.CommonConfig;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.config.HfConfig;
import dev.troupe.model.config.HfConfigSupport;
import dev.troupe.model.config.MoeSpec;
import dev.troupe.model.mistral.MistralConfig;
import java.util.Arrays;
import java.util.List;

/**
 * {@code config.json} of {@code model_type: "mixtral"}, with transformers 5.17's defaults: every
 * layer is a top-{@code num_experts_per_tok} MoE over {@code num_local_experts} (alias {@code
 * num_experts}) experts whose routing weights are renormalised and kept in fp32; RoPE theta
 * defaults to 1e6; no sliding window unless set.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MixtralConfig(
        @JsonProperty("sliding_window") JsonNode slidingWindow,
        @JsonProperty("num_local_experts") Integer numLocalExperts,
        @JsonProperty("num_experts") Integer numExperts,
        @JsonProperty("num_experts_per_tok") Integer numExpertsPerTok)
        implements HfConfig {

    static final CommonConfig.Defaults DEFAULTS =
            new CommonConfig.Defaults(
                    32000,
                    4096,
                    14336,
                    32,
                    32,
                    8,
                    null,
                    1e-5,
                    4096 * 32,
                    1_000_000.0,
                    1,
                    List.of(2));

    @Override
    public DecoderSpec toSpec(CommonConfig c) {
        int layers = c.layers(DEFAULTS);
        boolean[] sparse = new boolean[layers];
        Arrays.fill(sparse, true);
        MoeSpec moe =
                new MoeSpec(
                        orDefault(numLocalExperts, orDefault(numExperts, 8)),
                        orDefault(numExpertsPerTok, 2),
                        c.intermediate(DEFAULTS),
                        true,
                        true,
                        0,
                        MoeSpec.KeyStyle.MIXTRAL);
        return c.toSpec(
                "mixtral",
                DEFAULTS,
                new CommonConfig.Layout(
                        false,
                        false,
                        false,
                        false,
                        HfConfigSupport.uniformWindows(
                                layers, MistralConfig.window(slidingWindow, 0)),
                        sparse,
                        moe));
    }
}
