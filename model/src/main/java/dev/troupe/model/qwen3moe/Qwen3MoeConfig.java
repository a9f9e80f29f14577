package dev.troupe.model.qwen3moe;

import static dev.troupe.model.config.HfConfigSupport.orDefault;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.config.HfConfig;
import dev.troupe.model.config.HfConfigSupport;
import dev.troupe.model.config.HiddenAct;
import dev.troupe.model.config.MoeSpec;
import java.util.List;

/**
 * {@code config.json} of {@code model_type: "qwen3_moe"} (Qwen3-30B-A3B, Qwen3-235B-A22B), with
 * transformers 5.17's defaults: q/k RMSNorm, biases on q/k/v/o from {@code attention_bias}, MoE
 * layers without a shared expert; with {@code use_sliding_window} every layer uses the window.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Qwen3MoeConfig(
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
        @JsonProperty("decoder_sparse_step") Integer decoderSparseStep,
        @JsonProperty("moe_intermediate_size") Integer moeIntermediateSize,
        @JsonProperty("num_experts_per_tok") Integer numExpertsPerTok,
        @JsonProperty("num_experts") Integer numExperts,
        @JsonProperty("num_local_experts") Integer numLocalExperts,
        @JsonProperty("norm_topk_prob") Boolean normTopkProb,
        @JsonProperty("mlp_only_layers") List<Integer> mlpOnlyLayers,
        @JsonProperty("bos_token_id") Integer bosTokenId,
        @JsonProperty("eos_token_id") JsonNode eosTokenId,
        @JsonProperty("pad_token_id") Integer padTokenId)
        implements HfConfig {

    @Override
    public DecoderSpec toSpec() {
        int hidden = orDefault(hiddenSize, 2048);
        int heads = orDefault(numAttentionHeads, 32);
        int layers = orDefault(numHiddenLayers, 24);
        int maxPos = orDefault(maxPositionEmbeddings, 32768);
        // transformers 5 maps num_experts to num_local_experts and saves the latter.
        int experts = orDefault(numExperts, orDefault(numLocalExperts, 128));
        boolean bias = orDefault(attentionBias, false);
        int window = orDefault(useSlidingWindow, false) ? orDefault(slidingWindow, 4096) : 0;
        return new DecoderSpec(
                "qwen3_moe",
                orDefault(vocabSize, 151936),
                hidden,
                layers,
                heads,
                orDefault(numKeyValueHeads, 4),
                orDefault(headDim, hidden / heads),
                orDefault(intermediateSize, 6144),
                orDefault(rmsNormEps, 1e-6),
                HiddenAct.fromHfName(orDefault(hiddenAct, "silu")),
                orDefault(tieWordEmbeddings, false),
                bias,
                bias,
                false,
                true,
                HfConfigSupport.rope(ropeParameters, ropeScaling, ropeTheta, 10_000.0, maxPos),
                HfConfigSupport.uniformWindows(layers, window),
                HfConfigSupport.qwenSparseLayers(
                        layers,
                        experts,
                        orDefault(decoderSparseStep, 1),
                        orDefault(mlpOnlyLayers, List.of())),
                new MoeSpec(
                        experts,
                        orDefault(numExpertsPerTok, 8),
                        orDefault(moeIntermediateSize, 768),
                        orDefault(normTopkProb, false),
                        false,
                        0,
                        MoeSpec.KeyStyle.QWEN),
                maxPos,
                HfConfigSupport.tokenId(bosTokenId),
                HfConfigSupport.tokenIds(eosTokenId, "eos_token_id"),
                HfConfigSupport.tokenId(padTokenId));
    }
}
