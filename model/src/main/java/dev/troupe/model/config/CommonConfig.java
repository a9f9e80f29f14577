package dev.troupe.model.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The {@code config.json} keys every supported family shares, with Hugging Face's names. A family
 * config ({@code LlamaConfig}, ...) adds its own keys and supplies {@link Defaults} for these, as
 * its transformers config class does.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CommonConfig(
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
        @JsonProperty("bos_token_id") Integer bosTokenId,
        @JsonProperty("eos_token_id") JsonNode eosTokenId,
        @JsonProperty("pad_token_id") Integer padTokenId) {

    /**
     * A family's defaults for absent keys.
     *
     * @param numKvHeads null: as many as query heads
     * @param headDim null: hidden_size / num_attention_heads
     * @param bosTokenId null: none
     * @param eosTokenIds used when eos_token_id is absent (an explicit null means none)
     */
    public record Defaults(
            int vocabSize,
            int hiddenSize,
            int intermediateSize,
            int numLayers,
            int numHeads,
            Integer numKvHeads,
            Integer headDim,
            double rmsNormEps,
            int maxPositionEmbeddings,
            double ropeTheta,
            Integer bosTokenId,
            List<Integer> eosTokenIds) {}

    /**
     * The shared part of a {@link DecoderSpec}, defaults applied; the family supplies the rest.
     *
     * @param layout the family's structure: biases, q/k norm, windows, sparse layers, MoE
     */
    public DecoderSpec toSpec(String modelType, Defaults d, Layout layout) {
        int hidden = or(hiddenSize, d.hiddenSize());
        int heads = or(numAttentionHeads, d.numHeads());
        int maxPos = or(maxPositionEmbeddings, d.maxPositionEmbeddings());
        return new DecoderSpec(
                modelType,
                or(vocabSize, d.vocabSize()),
                hidden,
                layers(d),
                heads,
                or(numKeyValueHeads, d.numKvHeads() != null ? d.numKvHeads() : heads),
                or(headDim, d.headDim() != null ? d.headDim() : hidden / heads),
                or(intermediateSize, d.intermediateSize()),
                or(rmsNormEps, d.rmsNormEps()),
                HiddenAct.fromHfName(or(hiddenAct, "silu")),
                or(tieWordEmbeddings, false),
                layout.qkvBias(),
                layout.oBias(),
                layout.mlpBias(),
                layout.qkNorm(),
                HfConfigSupport.rope(ropeParameters, ropeScaling, ropeTheta, d.ropeTheta(), maxPos),
                layout.slidingWindows(),
                layout.sparseLayers(),
                layout.moe(),
                maxPos,
                HfConfigSupport.tokenId(bosTokenId != null ? bosTokenId : d.bosTokenId()),
                eosTokenId == null
                        ? d.eosTokenIds()
                        : HfConfigSupport.tokenIds(eosTokenId, "eos_token_id"),
                HfConfigSupport.tokenId(padTokenId));
    }

    /** num_hidden_layers, defaults applied (families need it to lay out per-layer settings). */
    public int layers(Defaults d) {
        return or(numHiddenLayers, d.numLayers());
    }

    /** intermediate_size, defaults applied. */
    public int intermediate(Defaults d) {
        return or(intermediateSize, d.intermediateSize());
    }

    /** The family-specific structure of a decoder. */
    public record Layout(
            boolean qkvBias,
            boolean oBias,
            boolean mlpBias,
            boolean qkNorm,
            int[] slidingWindows,
            boolean[] sparseLayers,
            MoeSpec moe) {}

    private static <T> T or(T value, T dflt) {
        return value != null ? value : dflt;
    }
}
