package dev.troupe.model.config;

import java.util.Arrays;
import java.util.List;

/**
 * Everything the shared decoder implementation needs to know about one checkpoint's architecture,
 * normalised from the family-specific {@code config.json} records ({@code LlamaConfig}, {@code
 * Qwen3Config}, ...). All supported families are pre-norm decoders: {@code h += attn(rms(h)); h +=
 * mlp(rms(h))}, final RMSNorm, then the LM head.
 *
 * @param modelType the HF {@code model_type} ("qwen2", "mixtral", ...)
 * @param vocabSize rows of the embedding and the LM head
 * @param hiddenSize model width
 * @param numLayers decoder layers
 * @param numHeads query heads
 * @param numKvHeads key/value heads (grouped-query attention when fewer than {@code numHeads})
 * @param headDim width of one head
 * @param intermediateSize inner width of the dense MLP
 * @param rmsNormEps epsilon of every RMSNorm
 * @param hiddenAct MLP activation
 * @param tieWordEmbeddings the LM head is the embedding matrix
 * @param qkvBias q/k/v projections have biases
 * @param oBias the output projection has a bias
 * @param mlpBias dense MLP projections have biases
 * @param qkNorm per-head RMSNorm on q and k before RoPE (Qwen3)
 * @param rope rotary embedding
 * @param slidingWindows per layer: the attention window in tokens, 0 for full causal attention
 * @param sparseLayers per layer: whether the MLP is the MoE block
 * @param moe the MoE block, or null for a dense model
 * @param maxPositionEmbeddings positions the model was configured for
 * @param bosTokenId begin-of-sequence id, or -1
 * @param eosTokenIds end-of-sequence ids (may be empty)
 * @param padTokenId padding id, or -1
 */
public record DecoderSpec(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int intermediateSize,
        double rmsNormEps,
        HiddenAct hiddenAct,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean oBias,
        boolean mlpBias,
        boolean qkNorm,
        RopeSpec rope,
        int[] slidingWindows,
        boolean[] sparseLayers,
        MoeSpec moe,
        int maxPositionEmbeddings,
        int bosTokenId,
        List<Integer> eosTokenIds,
        int padTokenId) {

    public DecoderSpec {
        slidingWindows = slidingWindows.clone();
        sparseLayers = sparseLayers.clone();
        eosTokenIds = List.copyOf(eosTokenIds);
        require(vocabSize > 0, "vocab_size must be > 0");
        require(hiddenSize > 0, "hidden_size must be > 0");
        require(numLayers > 0, "num_hidden_layers must be > 0");
        require(numHeads > 0, "num_attention_heads must be > 0");
        require(numKvHeads > 0, "num_key_value_heads must be > 0");
        require(
                numHeads % numKvHeads == 0,
                "num_attention_heads ("
                        + numHeads
                        + ") must be a multiple of num_key_value_heads ("
                        + numKvHeads
                        + ")");
        require(headDim > 0 && headDim % 2 == 0, "head_dim must be even and > 0, got " + headDim);
        require(intermediateSize > 0 || moe != null, "intermediate_size must be > 0");
        require(rmsNormEps > 0, "rms_norm_eps must be > 0");
        require(
                slidingWindows.length == numLayers,
                "layer types list "
                        + slidingWindows.length
                        + " layers, the model has "
                        + numLayers);
        require(
                sparseLayers.length == numLayers,
                "sparse layer list does not match num_hidden_layers");
        for (boolean sparse : sparseLayers) {
            require(!sparse || moe != null, "a sparse layer needs MoE settings");
        }
    }

    private static void require(boolean ok, String problem) {
        if (!ok) {
            throw new IllegalArgumentException(problem);
        }
    }

    @Override
    public int[] slidingWindows() {
        return slidingWindows.clone();
    }

    @Override
    public boolean[] sparseLayers() {
        return sparseLayers.clone();
    }

    /** Attention window of a layer in tokens, 0 for full attention. */
    public int slidingWindow(int layer) {
        return slidingWindows[layer];
    }

    public boolean isSparse(int layer) {
        return sparseLayers[layer];
    }

    public boolean hasSlidingWindow() {
        return Arrays.stream(slidingWindows).anyMatch(w -> w > 0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DecoderSpec s && toString().equals(s.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return "DecoderSpec["
                + modelType
                + " vocab="
                + vocabSize
                + " hidden="
                + hiddenSize
                + " layers="
                + numLayers
                + " heads="
                + numHeads
                + "/"
                + numKvHeads
                + "x"
                + headDim
                + " inter="
                + intermediateSize
                + " eps="
                + rmsNormEps
                + " act="
                + hiddenAct
                + " tie="
                + tieWordEmbeddings
                + " bias="
                + qkvBias
                + "/"
                + oBias
                + "/"
                + mlpBias
                + " qkNorm="
                + qkNorm
                + " rope="
                + rope
                + " windows="
                + Arrays.toString(slidingWindows)
                + " sparse="
                + Arrays.toString(sparseLayers)
                + " moe="
                + moe
                + " maxPos="
                + maxPositionEmbeddings
                + " bos="
                + bosTokenId
                + " eos="
                + eosTokenIds
                + " pad="
                + padTokenId
                + "]";
    }
}
