package dev.troupe.model.qwen2moe;

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
 * {@code config.json} of {@code model_type: "qwen2_moe"} (Qwen1.5-MoE, Qwen2-57B-A14B), with
 * transformers 5.17's defaults: MoE layers every {@code decoder_sparse_step} layers except {@code
 * mlp_only_layers}, each with a shared expert gated by {@code sigmoid(shared_expert_gate(h))};
 * q/k/v biases from {@code qkv_bias} (default true). With {@code use_sliding_window}, the
 * odd-indexed layers below {@code max_window_layers} use the window, as transformers lays them out.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Qwen2MoeConfig(
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
        @JsonProperty("decoder_sparse_step") Integer decoderSparseStep,
        @JsonProperty("moe_intermediate_size") Integer moeIntermediateSize,
        @JsonProperty("shared_expert_intermediate_size") Integer sharedExpertIntermediateSize,
        @JsonProperty("num_experts_per_tok") Integer numExpertsPerTok,
        @JsonProperty("num_experts") Integer numExperts,
        @JsonProperty("norm_topk_prob") Boolean normTopkProb,
        @JsonProperty("mlp_only_layers") List<Integer> mlpOnlyLayers,
        @JsonProperty("qkv_bias") Boolean qkvBias,
        @JsonProperty("bos_token_id") Integer bosTokenId,
        @JsonProperty("eos_token_id") JsonNode eosTokenId,
        @JsonProperty("pad_token_id") Integer padTokenId)
        implements HfConfig {

    @Override
    public DecoderSpec toSpec() {
        int hidden = orDefault(hiddenSize, 2048);
        int heads = orDefault(numAttentionHeads, 16);
        int layers = orDefault(numHiddenLayers, 24);
        int maxPos = orDefault(maxPositionEmbeddings, 32768);
        int experts = orDefault(numExperts, 60);
        int shared = orDefault(sharedExpertIntermediateSize, 5632);
        if (shared <= 0) {
            throw new IllegalArgumentException("shared_expert_intermediate_size must be > 0");
        }
        return new DecoderSpec(
                "qwen2_moe",
                orDefault(vocabSize, 151936),
                hidden,
                layers,
                heads,
                orDefault(numKeyValueHeads, 16),
                orDefault(headDim, hidden / heads),
                orDefault(intermediateSize, 5632),
                orDefault(rmsNormEps, 1e-6),
                HiddenAct.fromHfName(orDefault(hiddenAct, "silu")),
                orDefault(tieWordEmbeddings, false),
                orDefault(qkvBias, true),
                false,
                false,
                false,
                HfConfigSupport.rope(ropeParameters, ropeScaling, ropeTheta, 10_000.0, maxPos),
                windows(layers),
                HfConfigSupport.qwenSparseLayers(
                        layers,
                        experts,
                        orDefault(decoderSparseStep, 1),
                        orDefault(mlpOnlyLayers, List.of())),
                new MoeSpec(
                        experts,
                        orDefault(numExpertsPerTok, 4),
                        orDefault(moeIntermediateSize, 1408),
                        orDefault(normTopkProb, false),
                        false,
                        shared,
                        MoeSpec.KeyStyle.QWEN),
                maxPos,
                HfConfigSupport.tokenId(bosTokenId),
                HfConfigSupport.tokenIds(eosTokenId, "eos_token_id"),
                HfConfigSupport.tokenId(padTokenId));
    }

    private int[] windows(int layers) {
        boolean on = orDefault(useSlidingWindow, false);
        Integer window = on ? orDefault(slidingWindow, 4096) : null;
        if (layerTypes != null && !layerTypes.isNull()) {
            return HfConfigSupport.windowsFromLayerTypes(layerTypes, layers, window);
        }
        int[] out = new int[layers];
        int maxWindow = orDefault(maxWindowLayers, 28);
        for (int i = 0; i < layers; i++) {
            boolean sliding = on && (i + 1) % 2 == 1 && i < maxWindow;
            out[i] = sliding ? window : 0;
        }
        return out;
    }
}
