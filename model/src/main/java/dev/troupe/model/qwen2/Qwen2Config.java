package dev.troupe.model.qwen2;

import static dev.troupe.model.config.HfConfigSupport.orDefault;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.config.HfConfig;
import dev.troupe.model.config.HfConfigSupport;
import dev.troupe.model.config.HiddenAct;

/**
 * {@code config.json} of {@code model_type: "qwen2"} (Qwen2, Qwen2.5), with transformers 5.17's
 * defaults. q/k/v always carry biases, o does not. With {@code use_sliding_window}, layers from
 * {@code max_window_layers} on use a window of {@code sliding_window} tokens unless {@code
 * layer_types} says otherwise.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Qwen2Config(
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
        return new DecoderSpec(
                "qwen2",
                orDefault(vocabSize, 151936),
                hidden,
                layers,
                heads,
                orDefault(numKeyValueHeads, heads),
                orDefault(headDim, hidden / heads),
                orDefault(intermediateSize, 22016),
                orDefault(rmsNormEps, 1e-6),
                HiddenAct.fromHfName(orDefault(hiddenAct, "silu")),
                orDefault(tieWordEmbeddings, false),
                true,
                false,
                false,
                false,
                HfConfigSupport.rope(ropeParameters, ropeScaling, ropeTheta, 10_000.0, maxPos),
                qwenWindows(layerTypes, layers, useSlidingWindow, slidingWindow, maxWindowLayers),
                HfConfigSupport.allDense(layers),
                null,
                maxPos,
                HfConfigSupport.tokenId(bosTokenId),
                HfConfigSupport.tokenIds(eosTokenId, "eos_token_id"),
                HfConfigSupport.tokenId(padTokenId));
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
