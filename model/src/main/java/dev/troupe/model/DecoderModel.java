package dev.troupe.model;

import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.layers.Adapted;
import dev.troupe.model.layers.Attention;
import dev.troupe.model.layers.AttentionMask;
import dev.troupe.model.layers.KvCache;
import dev.troupe.model.layers.LayerWeights;
import dev.troupe.model.layers.Linear;
import dev.troupe.model.layers.Mlp;
import dev.troupe.model.layers.Projection;
import dev.troupe.model.layers.RmsNorm;
import dev.troupe.model.layers.RotaryEmbedding;
import dev.troupe.model.layers.SparseMoe;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Owned;
import dev.troupe.tensor.Tensors;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A decoder-only transformer of any supported family ({@link DecoderSpec}), with frozen base
 * weights on one device in one dtype. The forward pass is functional: the LoRA adapter to apply (or
 * none, for the reference policy) and the KV cache are arguments, so one model serves many adapter
 * versions and many generation batches at once.
 *
 * <p>Every tensor a method returns is handed to the caller's innermost open {@link PointerScope}
 * (or, with none open, to the caller, who must close it). Intermediates are freed before return;
 * what autograd needs for backward stays alive in the graph.
 */
public final class DecoderModel implements AutoCloseable {
    private final DecoderSpec spec;
    private final ComputeDevice device;
    private final DType dtype;

    /** (vocab, hidden) token embedding. */
    private final Tensor embed;

    /** One entry per decoder layer. */
    private final LayerWeights[] layers;

    /** (hidden) final RMSNorm weight. */
    private final Tensor finalNorm;

    /** (vocab, hidden) LM head; the embedding itself when tied. */
    private final Linear lmHead;

    private final RotaryEmbedding rope;
    private final List<Tensor> ownedWeights;
    private final List<String> unusedCheckpointKeys;
    private boolean closed;

    DecoderModel(
            DecoderSpec spec,
            ComputeDevice device,
            DType dtype,
            Tensor embed,
            LayerWeights[] layers,
            Tensor finalNorm,
            Linear lmHead,
            List<Tensor> ownedWeights,
            List<String> unusedCheckpointKeys) {
        this(
                spec,
                device,
                dtype,
                embed,
                layers,
                finalNorm,
                lmHead,
                ownedWeights,
                unusedCheckpointKeys,
                new RotaryEmbedding(spec.rope(), spec.headDim(), device));
    }

    private DecoderModel(
            DecoderSpec spec,
            ComputeDevice device,
            DType dtype,
            Tensor embed,
            LayerWeights[] layers,
            Tensor finalNorm,
            Linear lmHead,
            List<Tensor> ownedWeights,
            List<String> unusedCheckpointKeys,
            RotaryEmbedding rope) {
        this.spec = spec;
        this.device = device;
        this.dtype = dtype;
        this.embed = embed;
        this.layers = layers.clone();
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.ownedWeights = List.copyOf(ownedWeights);
        this.unusedCheckpointKeys = List.copyOf(unusedCheckpointKeys);
        this.rope = rope;
    }

    public DecoderSpec spec() {
        return spec;
    }

    public ComputeDevice device() {
        return device;
    }

    /** The dtype of weights and activations. */
    public DType dtype() {
        return dtype;
    }

    /** The same model reporting these unused checkpoint keys (weights are shared, not copied). */
    DecoderModel withUnusedCheckpointKeys(List<String> unused) {
        if (unused.isEmpty()) {
            return this;
        }
        return new DecoderModel(
                spec, device, dtype, embed, layers, finalNorm, lmHead, ownedWeights, unused, rope);
    }

    /** Checkpoint tensors that no part of the architecture uses (empty for a clean checkpoint). */
    public List<String> unusedCheckpointKeys() {
        return unusedCheckpointKeys;
    }

    /** The frozen weight behind a layer's projection (for LoRA shapes and merging). */
    public Tensor baseWeight(int layer, Projection p) {
        LayerWeights w = layers[layer];
        return switch (p) {
            case Q -> w.q().weight();
            case K -> w.k().weight();
            case V -> w.v().weight();
            case O -> w.o().weight();
            case GATE -> dense(w, p).gate().weight();
            case UP -> dense(w, p).up().weight();
            case DOWN -> dense(w, p).down().weight();
            case SHARED_GATE -> shared(w, p).gate().weight();
            case SHARED_UP -> shared(w, p).up().weight();
            case SHARED_DOWN -> shared(w, p).down().weight();
            case SHARED_EXPERT_GATE -> {
                if (w.moe() == null || w.moe().sharedGate() == null) {
                    throw missing(layer, p);
                }
                yield w.moe().sharedGate().weight();
            }
            case EXPERTS_GATE_UP -> moe(w, layer, p).gateUp();
            case EXPERTS_DOWN -> moe(w, layer, p).down();
        };
    }

    /** Whether the layer has this projection (dense layers have no experts, and so on). */
    public boolean hasProjection(int layer, Projection p) {
        LayerWeights w = layers[layer];
        return switch (p) {
            case Q, K, V, O -> true;
            case GATE, UP, DOWN -> w.mlp() != null;
            case SHARED_GATE, SHARED_UP, SHARED_DOWN -> w.moe() != null && w.moe().shared() != null;
            case SHARED_EXPERT_GATE -> w.moe() != null && w.moe().sharedGate() != null;
            case EXPERTS_GATE_UP, EXPERTS_DOWN -> w.moe() != null;
        };
    }

    /** The (vocab, hidden) LM head weight. */
    public Tensor lmHeadWeight() {
        return lmHead.weight();
    }

    /** Read-only access to a layer's weights. */
    public LayerWeights layer(int i) {
        return layers[i];
    }

    public Tensor embedding() {
        return embed;
    }

    public Tensor finalNorm() {
        return finalNorm;
    }

    private static dev.troupe.model.layers.DenseMlpWeights dense(LayerWeights w, Projection p) {
        if (w.mlp() == null) {
            throw new IllegalArgumentException(p + " does not exist in a sparse layer");
        }
        return w.mlp();
    }

    private static dev.troupe.model.layers.DenseMlpWeights shared(LayerWeights w, Projection p) {
        if (w.moe() == null || w.moe().shared() == null) {
            throw new IllegalArgumentException(p + " needs a shared expert");
        }
        return w.moe().shared();
    }

    private static dev.troupe.model.layers.MoeWeights moe(LayerWeights w, int layer, Projection p) {
        if (w.moe() == null) {
            throw missing(layer, p);
        }
        return w.moe();
    }

    private static IllegalArgumentException missing(int layer, Projection p) {
        return new IllegalArgumentException("layer " + layer + " has no " + p.suffix());
    }

    /**
     * Logits for every position.
     *
     * @param inputIds (B, T) int64
     * @param attentionMask (B, S) 1 for real tokens, 0 for padding, over all cache positions (S =
     *     past + T); null means no padding
     * @param positionIds (B, T) int64 RoPE positions; null means {@code past .. past + T - 1}
     * @param cache KV cache to read past positions from and append to, or null
     * @param lora the adapter to apply, {@link LoraLookup#NONE} for the base model
     * @param training whether LoRA dropout is active
     * @return (B, T, vocab) logits in the model dtype
     */
    public Tensor forward(
            Tensor inputIds,
            Tensor attentionMask,
            Tensor positionIds,
            KvCache cache,
            LoraLookup lora,
            boolean training) {
        Tensor out;
        try (PointerScope scope = new PointerScope()) {
            Tensor h = hiddenStates(inputIds, attentionMask, positionIds, cache, lora, training);
            out = Owned.keep(logitsOf(h, lora, training));
        }
        return Owned.toCaller(out);
    }

    /**
     * The final normed hidden states, before the LM head (arguments as {@link #forward}).
     *
     * @return (B, T, hidden)
     */
    public Tensor hidden(
            Tensor inputIds,
            Tensor attentionMask,
            Tensor positionIds,
            KvCache cache,
            LoraLookup lora,
            boolean training) {
        Tensor out;
        try (PointerScope scope = new PointerScope()) {
            out =
                    Owned.keep(
                            hiddenStates(
                                    inputIds, attentionMask, positionIds, cache, lora, training));
        }
        return Owned.toCaller(out);
    }

    /**
     * The LM head on hidden states.
     *
     * @param hidden (..., hidden)
     * @return (..., vocab)
     */
    public Tensor logits(Tensor hidden, LoraLookup lora, boolean training) {
        Tensor out;
        try (PointerScope scope = new PointerScope()) {
            out = Owned.keep(logitsOf(hidden, lora, training));
        }
        return Owned.toCaller(out);
    }

    private Tensor logitsOf(Tensor h, LoraLookup lora, boolean training) {
        return Adapted.linear(h, lmHead, lora.lmHead(), training);
    }

    private Tensor hiddenStates(
            Tensor inputIds,
            Tensor attentionMask,
            Tensor positionIds,
            KvCache cache,
            LoraLookup lora,
            boolean training) {
        checkOpen();
        long b = inputIds.size(0);
        long t = inputIds.size(1);
        int past = cache == null ? 0 : cache.length();
        if (cache != null && cache.batchSize() != b) {
            throw new IllegalArgumentException(
                    "KV cache holds " + cache.batchSize() + " sequences, input has " + b);
        }
        Tensor keyValid =
                attentionMask != null
                        ? attentionMask
                        : Tensors.ones(device, DType.I64, b, past + t);
        if (keyValid.size(1) != past + t) {
            throw new IllegalArgumentException(
                    "attention mask covers "
                            + keyValid.size(1)
                            + " positions; cache holds "
                            + past
                            + " and the input adds "
                            + t);
        }
        Tensor positions = positionIds;
        if (positions == null) {
            positions =
                    Tensors.arange(device, past + t).narrow(0, past, t).unsqueeze(0).expand(b, t);
        }
        Map<Integer, Tensor> masks = new HashMap<>();
        Tensor[] cosSin = rope.cosSin(positions, dtype);
        Tensor h = torch.embedding(embed, inputIds);
        for (int l = 0; l < layers.length; l++) {
            LayerWeights w = layers[l];
            Tensor mask =
                    masks.computeIfAbsent(
                            spec.slidingWindow(l), win -> AttentionMask.build(keyValid, t, win));
            Tensor n = RmsNorm.apply(h, w.inputNorm(), spec.rmsNormEps());
            h = h.add(Attention.forward(n, w, spec, l, cosSin, mask, cache, lora, training));
            n = RmsNorm.apply(h, w.postAttentionNorm(), spec.rmsNormEps());
            Tensor m =
                    w.moe() != null
                            ? SparseMoe.forward(
                                    n, w.moe(), spec.moe(), spec.hiddenAct(), l, lora, training)
                            : Mlp.forward(
                                    n,
                                    w.mlp(),
                                    spec.hiddenAct(),
                                    l,
                                    Projection.GATE,
                                    lora,
                                    training);
            h = h.add(m);
        }
        if (cache != null) {
            cache.advance((int) t);
        }
        return RmsNorm.apply(h, finalNorm, spec.rmsNormEps());
    }

    /** A KV cache for this model's shape, device and dtype. */
    public KvCache newCache(long batch, int capacity) {
        return new KvCache(spec, batch, capacity, device, dtype);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("model is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            rope.close();
            ownedWeights.forEach(Owned::release);
        }
    }
}
