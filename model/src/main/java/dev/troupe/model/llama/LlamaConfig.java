package dev.troupe.model.llama;

import static dev.troupe.model.config.HfConfigSupport.orDefault;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.config.HfConfig;
import dev.troupe.model.config.HfConfigSupport;
import dev.troupe.model.config.HiddenAct;

/**
 * {@code config.json} of {@code model_type: "llama"}, with transformers 5.17's defaults ({@code
 * LlamaConfig}). Biases on q/k/v/o follow {@code attention_bias}, on the MLP {@code mlp_bias}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LlamaConfig(
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
        @JsonProperty("mlp_bias") Boolean mlpBias,
        @JsonProperty("bos_token_id") Integer bosTokenId,
        @JsonProperty("eos_token_id") JsonNode eosTokenId,
        @JsonProperty("pad_token_id") Integer padTokenId)
        implements HfConfig {

    @Override
    public DecoderSpec toSpec() {
        int hidden = orDefault(hiddenSize, 4096);
        int heads = orDefault(numAttentionHeads, 32);
        int layers = orDefault(numHiddenLayers, 32);
        int maxPos = orDefault(maxPositionEmbeddings, 2048);
        boolean attnBias = orDefault(attentionBias, false);
        return new DecoderSpec(
                "llama",
                orDefault(vocabSize, 32000),
                hidden,
                layers,
                heads,
                orDefault(numKeyValueHeads, heads),
                orDefault(headDim, hidden / heads),
                orDefault(intermediateSize, 11008),
                orDefault(rmsNormEps, 1e-6),
                HiddenAct.fromHfName(orDefault(hiddenAct, "silu")),
                orDefault(tieWordEmbeddings, false),
                attnBias,
                attnBias,
                orDefault(mlpBias, false),
                false,
                HfConfigSupport.rope(ropeParameters, ropeScaling, ropeTheta, 10_000.0, maxPos),
                HfConfigSupport.uniformWindows(layers, 0),
                HfConfigSupport.allDense(layers),
                null,
                maxPos,
                HfConfigSupport.tokenId(orDefault(bosTokenId, 1)),
                eosTokenId == null
                        ? java.util.List.of(2)
                        : HfConfigSupport.tokenIds(eosTokenId, "eos_token_id"),
                HfConfigSupport.tokenId(padTokenId));
    }
}
