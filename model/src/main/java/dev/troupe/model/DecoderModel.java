package dev.troupe.model;

import dev.troupe.model.config.DecoderSpec;
import dev.troupe.model.layers.Adapted;
import dev.troupe.model.layers.Attention;
import dev.troupe.model.layers.AttentionMask;
import dev.troupe.model.layers.KvCache;
import dev.troupe.model.layers.LayerWeights;
import dev.troupe.model.layers.Linear;
import dev.troupe.model.layers.Mlp;
import dev.troupe.model.layers.Ops;
import dev.troupe.model.layers.Projection;
import dev.troupe.model.layers.RmsNorm;
import dev.troupe.model.layers.RotaryEmbedding;
import dev.troupe.model.layers.SparseMoe;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.NoGrad;
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

    /** The bias of a layer's q, k, v or o map, or null (none, or another projection). */
    public Tensor baseBias(int layer, Projection p) {
        LayerWeights w = layers[layer];
        return switch (p) {
            case Q -> w.q().bias();
            case K -> w.k().bias();
            case V -> w.v().bias();
            case O -> w.o().bias();
            default -> null;
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
        Tensor merged = lora.mergedLmHead();
        if (merged != null) {
            return Ops.linear(h, merged, lmHead.bias());
        }
        return Adapted.linear(h, lmHead, lora.lmHead(), training, lora.autocast());
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
        if (cache != null && cache.batchSize() != b) {
            throw new IllegalArgumentException(
                    "KV cache holds " + cache.batchSize() + " sequences, input has " + b);
        }
        LayerContext ctx =
                cache != null && cache.indexed()
                        ? decodeContext(inputIds, attentionMask, positionIds, cache)
                        : layerContext(
                                inputIds,
                                attentionMask,
                                positionIds,
                                cache == null ? 0 : cache.length());
        // Layer by layer in scopes (scopedLayer): kept to the end, every layer's intermediates
        // would be tens of GB for a 512 x 128-token prefill.
        Tensor h = Owned.keep(torch.embedding(embed, inputIds));
        try {
            for (int l = 0; l < layers.length; l++) {
                Tensor next = scopedLayer(l, h, ctx, cache, lora, training);
                Owned.release(h);
                h = next;
            }
            if (cache != null && !cache.indexed()) {
                cache.advance((int) t);
            }
            return RmsNorm.apply(h, finalNorm, spec.rmsNormEps(), lora.fusedNorm());
        } finally {
            Owned.release(h);
        }
    }

    /** What every layer of one forward pass shares: its attention mask, and the RoPE tables. */
    private record LayerContext(Tensor[] masks, Tensor[] cosSin) {}

    /**
     * Masks (one per layer, shared between layers with the same window) and RoPE tables for {@code
     * inputIds} after {@code past} cached positions; defaults as {@link #forward} documents them.
     */
    private LayerContext layerContext(
            Tensor inputIds, Tensor attentionMask, Tensor positionIds, int past) {
        long b = inputIds.size(0);
        long t = inputIds.size(1);
        if (attentionMask != null && attentionMask.size(1) != past + t) {
            throw new IllegalArgumentException(
                    "attention mask covers "
                            + attentionMask.size(1)
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
        // Without padding or a past, a layer whose window covers the whole input is plainly
        // causal: no mask (null), so the attention kernel applies causality itself, which lets
        // libtorch pick flash attention (an explicit mask rules it out).
        boolean causal = attentionMask == null && past == 0;
        return new LayerContext(
                masksByWindow(
                        win ->
                                causal && (win == 0 || win >= t)
                                        ? null
                                        : AttentionMask.build(
                                                attentionMask != null
                                                        ? attentionMask
                                                        : Tensors.ones(
                                                                device, DType.I64, b, past + t),
                                                t,
                                                win)),
                rope.cosSin(positions, dtype));
    }

    /**
     * Masks and RoPE tables of one decode step over an indexed cache ({@link
     * KvCache#useIndexedWrites}): every argument is a device tensor whose shape does not change
     * from step to step, so the step can be recorded as a CUDA graph.
     *
     * @param keyValid (B, capacity) 1 where the cache holds a real token, the new one included
     * @param positionIds (B, 1) the new token's position
     */
    private LayerContext decodeContext(
            Tensor inputIds, Tensor keyValid, Tensor positionIds, KvCache cache) {
        if (inputIds.size(1) != 1 || keyValid == null || positionIds == null) {
            throw new IllegalArgumentException(
                    "a step over an indexed KV cache takes one token with its key mask and"
                            + " position");
        }
        if (keyValid.size(1) != cache.capacity()) {
            throw new IllegalArgumentException(
                    "the key mask of an indexed KV cache covers its capacity "
                            + cache.capacity()
                            + ", got "
                            + keyValid.size(1));
        }
        return new LayerContext(
                masksByWindow(win -> AttentionMask.decodeStep(keyValid, cache.writeIndex(), win)),
                rope.cosSin(positionIds, dtype));
    }

    /**
     * One mask per layer, built once per distinct attention window (0: none); null where the layer
     * is plainly causal.
     */
    private Tensor[] masksByWindow(java.util.function.IntFunction<Tensor> build) {
        Map<Integer, Tensor> byWindow = new HashMap<>();
        Tensor[] masks = new Tensor[layers.length];
        for (int l = 0; l < layers.length; l++) {
            masks[l] = byWindow.computeIfAbsent(spec.slidingWindow(l), build::apply);
        }
        return masks;
    }

    /**
     * Whether a decode step can be recorded as a CUDA graph: not with routed experts, whose routing
     * reads token counts on the host.
     */
    public boolean graphable() {
        for (LayerWeights w : layers) {
            if (w.moe() != null) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@link #layer} in its own scope, keeping only its output (owned by the caller): the layer's
     * intermediates are freed as soon as it returns (what autograd needs it keeps itself).
     */
    private Tensor scopedLayer(
            int l, Tensor h, LayerContext ctx, KvCache cache, LoraLookup lora, boolean training) {
        try (PointerScope layerScope = new PointerScope()) {
            return Owned.keep(layer(l, h, ctx.masks()[l], ctx.cosSin(), cache, lora, training));
        }
    }

    /** One decoder block: attention and MLP (or MoE), each with its pre-norm and residual. */
    private Tensor layer(
            int l,
            Tensor h,
            Tensor mask,
            Tensor[] cosSin,
            KvCache cache,
            LoraLookup lora,
            boolean training) {
        LayerWeights w = layers[l];
        Tensor n = RmsNorm.apply(h, w.inputNorm(), spec.rmsNormEps(), lora.fusedNorm());
        Tensor a = h.add(Attention.forward(n, w, spec, l, cosSin, mask, cache, lora, training));
        n = RmsNorm.apply(a, w.postAttentionNorm(), spec.rmsNormEps(), lora.fusedNorm());
        Tensor m =
                w.moe() != null
                        ? SparseMoe.forward(
                                n, w.moe(), spec.moe(), spec.hiddenAct(), l, lora, training)
                        : Mlp.forward(
                                n, w.mlp(), spec.hiddenAct(), l, Projection.GATE, lora, training);
        return a.add(m);
    }

    /**
     * A training forward pass that keeps only each layer's input (activation checkpointing, as
     * {@code torch.utils.checkpoint} per decoder layer): the layers run without autograd; {@link
     * Recomputed#hidden} is the final normed hidden state, differentiable from the last layer's
     * output on; after the caller's loss is backpropagated to it, {@link Recomputed#backward}
     * recomputes each layer with autograd, last to first, and carries the gradient through, so LoRA
     * gradients end up as a plain backward pass leaves them. Peak activation memory is one layer's
     * instead of all of them. With LoRA dropout the global generator is reseeded per layer ({@code
     * dropoutSeed}) so the recomputation draws the masks the first pass drew.
     */
    public Recomputed forwardRecomputed(
            Tensor inputIds, Tensor attentionMask, LoraLookup lora, long dropoutSeed) {
        checkOpen();
        return new Recomputed(inputIds, attentionMask, lora, dropoutSeed);
    }

    /** The state between a {@link #forwardRecomputed} pass and its backward. */
    public final class Recomputed implements AutoCloseable {
        /** Per layer its input, owned here. */
        private final Tensor[] inputs;

        private final LayerContext ctx;
        private final Tensor top;
        private final Tensor hidden;
        private final LoraLookup lora;
        private final long seed;

        /** Whether any adapted module drops out: only then do both passes reseed per layer. */
        private final boolean dropout;

        private Recomputed(Tensor ids, Tensor attentionMask, LoraLookup lora, long seed) {
            this.lora = lora;
            this.seed = seed;
            this.dropout = hasDropout(lora);
            inputs = new Tensor[layers.length];
            try (PointerScope scope = new PointerScope()) {
                LayerContext c = layerContext(ids, attentionMask, null, 0);
                Owned.keep(c.cosSin()[0]);
                Owned.keep(c.cosSin()[1]);
                for (Tensor m : c.masks()) {
                    Owned.keep(m); // a mask shared by several layers is kept once per layer
                }
                ctx = c;
                Tensor h = Owned.keep(torch.embedding(embed, ids));
                try (NoGrad noGrad = new NoGrad()) {
                    for (int l = 0; l < layers.length; l++) {
                        inputs[l] = h;
                        reseed(l);
                        h = scopedLayer(l, h, ctx, null, lora, true);
                    }
                }
                // requires_grad_ answers a reference into its receiver: keep the owner, not it.
                Tensor detached = h.detach();
                detached.requires_grad_(true);
                top = Owned.keep(detached);
                Owned.release(h);
                hidden = Owned.keep(RmsNorm.apply(top, finalNorm, spec.rmsNormEps()));
            }
        }

        /** (B, T, hidden): the final normed hidden states, differentiable up to the last layer. */
        public Tensor hidden() {
            return hidden;
        }

        /**
         * Carries the gradient that the caller's backward left on the last layer's output down
         * through every layer, recomputing each. Call once, after backpropagating the loss.
         */
        public void backward() {
            Tensor g0 = top.grad();
            if (!g0.defined()) {
                throw new IllegalStateException("backward() needs the loss backpropagated first");
            }
            // grad() answers a reference into the autograd metadata: hold an owned alias.
            Tensor grad = Owned.keep(g0.detach());
            try {
                for (int l = layers.length - 1; l >= 0; l--) {
                    Tensor next;
                    try (PointerScope layerScope = new PointerScope()) {
                        Tensor x = inputs[l].detach();
                        x.requires_grad_(l > 0);
                        reseed(l);
                        Tensor y = layer(l, x, ctx.masks()[l], ctx.cosSin(), null, lora, true);
                        if (y.requires_grad()) {
                            Ops.backward(y, grad);
                        }
                        next = l > 0 ? Owned.keep(x.grad().detach()) : null;
                    }
                    Owned.release(grad);
                    grad = next;
                }
            } finally {
                Owned.release(grad);
            }
        }

        private void reseed(int layer) {
            if (dropout) {
                torch.manual_seed(seed * 1_000_003L + layer);
            }
        }

        @Override
        public void close() {
            Owned.release(inputs);
            Owned.release(ctx.masks());
            Owned.release(ctx.cosSin());
            Owned.release(top, hidden);
        }
    }

    private boolean hasDropout(LoraLookup lora) {
        for (int l = 0; l < layers.length; l++) {
            for (Projection p : Projection.values()) {
                var w = lora.get(l, p);
                if (w != null && w.dropout() > 0) {
                    return true;
                }
            }
        }
        return lora.lmHead() != null && lora.lmHead().dropout() > 0;
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
