package dev.troupe.model.mistral;

import static dev.troupe.model.config.HfConfigSupport.orDefault;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.config.HfConfig;
import dev.troupe.model.config.HfConfigSupport;
import dev.troupe.model.config.HiddenAct;

/**
 * {@code config.json} of {@code model_type: "mistral"}, with transformers 5.17's defaults. Every
 * layer attends within {@code sliding_window} tokens (4096 when the key is absent, none when it is
 * null); no biases.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MistralConfig(
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
        return new DecoderSpec(
                "mistral",
                orDefault(vocabSize, 32000),
                hidden,
                layers,
                heads,
                orDefault(numKeyValueHeads, 8),
                orDefault(headDim, hidden / heads),
                orDefault(intermediateSize, 14336),
                orDefault(rmsNormEps, 1e-6),
                HiddenAct.fromHfName(orDefault(hiddenAct, "silu")),
                orDefault(tieWordEmbeddings, false),
                false,
                false,
                false,
                false,
                HfConfigSupport.rope(ropeParameters, ropeScaling, ropeTheta, 10_000.0, maxPos),
                HfConfigSupport.uniformWindows(layers, window(slidingWindow, 4096)),
                HfConfigSupport.allDense(layers),
                null,
                maxPos,
                HfConfigSupport.tokenId(orDefault(bosTokenId, 1)),
                eosTokenId == null
                        ? java.util.List.of(2)
                        : HfConfigSupport.tokenIds(eosTokenId, "eos_token_id"),
                HfConfigSupport.tokenId(padTokenId));
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
