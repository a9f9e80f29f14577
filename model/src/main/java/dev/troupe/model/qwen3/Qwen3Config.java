package dev.troupe.model.qwen3;

import static dev.troupe.model.config.HfConfigSupport.orDefault;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.config.HfConfig;
import dev.troupe.model.config.HfConfigSupport;
import dev.troupe.model.config.HiddenAct;
import dev.troupe.model.qwen2.Qwen2Config;

/**
 * {@code config.json} of {@code model_type: "qwen3"} (dense Qwen3), with transformers 5.17's
 * defaults: per-head RMSNorm on q and k before RoPE, {@code head_dim} 128 unless set, biases on
 * q/k/v/o from {@code attention_bias}; sliding windows as in Qwen2.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Qwen3Config(
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
        @JsonProperty("attention_bias") Boolean attentionBias,
        @JsonProperty("use_sliding_window") Boolean useSlidingWindow,
        @JsonProperty("sliding_window") Integer slidingWindow,
        @JsonProperty("max_window_layers") Integer maxWindowLayers,
        @JsonProperty("layer_types") JsonNode layerTypes,
        @JsonProperty("bos_token_id") Integer bosTokenId,
        @JsonProperty("eos_token_id") JsonNode eosTokenId,
        @JsonProperty("pad_token_id") Integer padTokenId)
        implements HfConfig {

    @Override
    public DecoderSpec toSpec() {
        int hidden = orDefault(hiddenSize, 4096);
        int heads = orDefault(numAttentionHeads, 32);
        int layers = orDefault(numHiddenLayers, 32);
        int maxPos = orDefault(maxPositionEmbeddings, 32768);
        boolean bias = orDefault(attentionBias, false);
        return new DecoderSpec(
                "qwen3",
                orDefault(vocabSize, 151936),
                hidden,
                layers,
                heads,
                orDefault(numKeyValueHeads, 32),
                orDefault(headDim, 128),
                orDefault(intermediateSize, 22016),
                orDefault(rmsNormEps, 1e-6),
                HiddenAct.fromHfName(orDefault(hiddenAct, "silu")),
                orDefault(tieWordEmbeddings, false),
                bias,
                bias,
                false,
                true,
                HfConfigSupport.rope(ropeParameters, ropeScaling, ropeTheta, 10_000.0, maxPos),
                Qwen2Config.qwenWindows(
                        layerTypes, layers, useSlidingWindow, slidingWindow, maxWindowLayers),
                HfConfigSupport.allDense(layers),
                null,
                maxPos,
                HfConfigSupport.tokenId(bosTokenId),
                HfConfigSupport.tokenIds(eosTokenId, "eos_token_id"),
                HfConfigSupport.tokenId(padTokenId));
    }
}
