package dev.troupe.model.mixtral;

import static dev.troupe.model.config.HfConfigSupport.orDefault;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.config.HfConfig;
import dev.troupe.model.config.HfConfigSupport;
import dev.troupe.model.config.HiddenAct;
import dev.troupe.model.config.MoeSpec;
import dev.troupe.model.mistral.MistralConfig;

/**
 * {@code config.json} of {@code model_type: "mixtral"}, with transformers 5.17's defaults: every
 * layer is a top-{@code num_experts_per_tok} MoE over {@code num_local_experts} experts whose
 * routing weights are renormalised and kept in fp32; RoPE theta defaults to 1e6; no sliding window
 * unless set.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MixtralConfig(
        @JsonProperty("vocab_size") Integer vocabSize,
        @JsonProperty("hidden_size") Integer hiddenSize,
        @JsonProperty("intermediate_size") Integer intermediateSize,
        @JsonProperty("num_hidden_layers") Integer numHiddenLayers,
        @JsonProperty("num_attention_heads") Integer numAttentionHeads,
        @JsonProperty("num_key_value_heads") Integer numKeyValueHeads,
        @JsonProperty("head_dim") Integer headDim,
        @JsonProperty("hidden_act") String hiddenAct,
        @JsonProperty("max_position_embeddings") Integer maxPositionEmbeddings,
        @JsonProperty("rms_norm_eps") Double rmsNormEps,
        @JsonProperty("tie_word_embeddings") Boolean tieWordEmbeddings,
        @JsonProperty("rope_theta") Double ropeTheta,
        @JsonProperty("rope_scaling") JsonNode ropeScaling,
        @JsonProperty("rope_parameters") JsonNode ropeParameters,
        @JsonProperty("sliding_window") JsonNode slidingWindow,
        @JsonProperty("num_local_experts") Integer numLocalExperts,
        @JsonProperty("num_experts") Integer numExperts,
        @JsonProperty("num_experts_per_tok") Integer numExpertsPerTok,
        @JsonProperty("bos_token_id") Integer bosTokenId,
        @JsonProperty("eos_token_id") JsonNode eosTokenId,
        @JsonProperty("pad_token_id") Integer padTokenId)
        implements HfConfig {

    @Override
    public DecoderSpec toSpec() {
        int hidden = orDefault(hiddenSize, 4096);
        int heads = orDefault(numAttentionHeads, 32);
        int layers = orDefault(numHiddenLayers, 32);
        int maxPos = orDefault(maxPositionEmbeddings, 4096 * 32);
        int inter = orDefault(intermediateSize, 14336);
        boolean[] sparse = new boolean[layers];
        java.util.Arrays.fill(sparse, true);
        return new DecoderSpec(
                "mixtral",
                orDefault(vocabSize, 32000),
                hidden,
                layers,
                heads,
                orDefault(numKeyValueHeads, 8),
                orDefault(headDim, hidden / heads),
                inter,
                orDefault(rmsNormEps, 1e-5),
                HiddenAct.fromHfName(orDefault(hiddenAct, "silu")),
                orDefault(tieWordEmbeddings, false),
                false,
                false,
                false,
                false,
                HfConfigSupport.rope(ropeParameters, ropeScaling, ropeTheta, 1_000_000.0, maxPos),
                HfConfigSupport.uniformWindows(layers, MistralConfig.window(slidingWindow, 0)),
                sparse,
                new MoeSpec(
                        orDefault(numLocalExperts, orDefault(numExperts, 8)),
                        orDefault(numExpertsPerTok, 2),
                        inter,
                        true,
                        true,
                        0,
                        MoeSpec.KeyStyle.MIXTRAL),
                maxPos,
                HfConfigSupport.tokenId(orDefault(bosTokenId, 1)),
                eosTokenId == null
                        ? java.util.List.of(2)
                        : HfConfigSupport.tokenIds(eosTokenId, "eos_token_id"),
                HfConfigSupport.tokenId(padTokenId));
    }
}
