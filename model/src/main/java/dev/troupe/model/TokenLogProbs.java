package dev.troupe.model;

import dev.troupe.model.layers.Ops;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.tensor.NoGrad;
import dev.troupe.tensor.Owned;
import dev.troupe.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Per-token log-probabilities of given sequences, what policy-gradient losses need: {@code logp[b,
 * t] = log softmax(logits[b, t])[ids[b, t + 1]]} for {@code t < T - 1}, in fp32. The LM head and
 * the softmax run over chunks of positions, so the full (B, T, vocab) logits never exist in fp32 at
 * once.
 */
public final class TokenLogProbs {
    private TokenLogProbs() {}

    /**
     * Log-probabilities and, optionally, the entropy of each position's distribution; with
     * recomputed activations also the state whose {@link #finishBackward} completes a backward
     * pass.
     */
    public record Result(
            Tensor logProbs,
            Tensor entropy,
            DecoderModel.Recomputed recomputed,
            DeferredHead head) {
        public Result(Tensor logProbs, Tensor entropy) {
            this(logProbs, entropy, null, null);
        }

        /**
         * After the loss built on {@link #logProbs} was backpropagated: carries the gradient
         * through the LM head chunk by chunk and through the recomputed layers (nothing to do
         * without recomputation) and frees what they kept.
         */
        public void finishBackward() {
            try {
                if (head != null) {
                    head.backward(logProbs);
                }
            } finally {
                if (head != null) {
                    head.close();
                }
                if (recomputed != null) {
                    try (recomputed) {
                        recomputed.backward();
                    }
                }
            }
        }
    }

    /**
     * The LM head of a recomputed pass, differentiated chunk by chunk: the log-probs handed to the
     * caller are a leaf computed without autograd, so no chunk's (B, chunk, vocab) logits and fp32
     * log-softmax stay alive until the backward pass (at 16 x 384 positions and a 152k vocabulary
     * that is 5.6 GB); once the caller's loss has left its gradient on them, each chunk's logits
     * are computed again with autograd and backpropagated at once, and the gradient they leave on
     * the hidden states goes on into the layers. The LM head runs twice: memory for compute, as
     * recomputed activations are.
     */
    public static final class DeferredHead implements AutoCloseable {
        private final DecoderModel model;
        private final Tensor hidden;
        private final Tensor inputIds;
        private final LoraLookup lora;
        private final boolean training;
        private final int chunk;
        private final long seed;
        private final boolean dropout;
        private final long from;

        DeferredHead(
                DecoderModel model,
                Tensor hidden,
                Tensor inputIds,
                LoraLookup lora,
                boolean training,
                int chunk,
                long seed,
                long from) {
            this.from = from;
            this.model = model;
            this.hidden = Owned.keep(hidden);
            this.inputIds = Owned.keep(inputIds);
            this.lora = lora;
            this.training = training;
            this.chunk = chunk;
            this.seed = seed;
            this.dropout = training && lora.lmHead() != null && lora.lmHead().dropout() > 0;
        }

        /** {@link TokenLogProbs#chunkLogSoftmax}, with the same LM-head dropout in both passes. */
        private Tensor chunkLogSoftmax(Tensor h, long start, long len) {
            if (dropout) {
                torch.manual_seed(seed * 1_000_003L + 7_919L * (start / chunk + 1));
            }
            return TokenLogProbs.chunkLogSoftmax(model, h, lora, training, start, len);
        }

        private Tensor targets(long start, long len) {
            return inputIds.narrow(1, start + 1, len).unsqueeze(-1);
        }

        /** Backpropagates the gradient the caller's loss left on {@code logProbs}. */
        void backward(Tensor logProbs) {
            Tensor g0 = logProbs.grad();
            if (!g0.defined()) {
                throw new IllegalStateException(
                        "finishBackward() needs the loss backpropagated first");
            }
            try (PointerScope scope = new PointerScope()) {
                // grad() and requires_grad_() answer references: hold owned aliases.
                Tensor grad = g0.detach();
                Tensor leaf = hidden.detach();
                leaf.requires_grad_(true);
                long t = inputIds.size(1);
                for (long start = from; start < t - 1; start += chunk) {
                    long len = Math.min(chunk, t - 1 - start);
                    try (PointerScope chunkScope = new PointerScope()) {
                        Tensor lp =
                                chunkLogSoftmax(leaf, start, len)
                                        .gather(-1, targets(start, len))
                                        .squeeze(-1);
                        Ops.backward(lp, grad.narrow(1, start, len));
                    }
                }
                Ops.backward(hidden, leaf.grad().detach());
            }
        }

        @Override
        public void close() {
            Owned.release(hidden, inputIds);
        }
    }

    /**
     * @param inputIds (B, T) int64
     * @param attentionMask (B, T) or null
     * @param positionIds (B, T) or null
     * @param lora adapter, or {@link LoraLookup#NONE} for the reference policy
     * @param training LoRA dropout on (and gradients flow when autograd is enabled)
     * @param chunk positions per LM-head chunk
     * @param withEntropy also return {@code -sum p log p} per position
     * @return logProbs (B, T-1) fp32 and entropy (B, T-1) fp32 or null
     */
    public static Result compute(
            DecoderModel model,
            Tensor inputIds,
            Tensor attentionMask,
            Tensor positionIds,
            LoraLookup lora,
            boolean training,
            int chunk,
            boolean withEntropy) {
        return compute(
                model,
                inputIds,
                attentionMask,
                positionIds,
                lora,
                training,
                chunk,
                withEntropy,
                Backward.PLAIN,
                0,
                0);
    }

    /** What a training pass keeps for its backward pass. */
    public enum Backward {
        /** Everything autograd records: every layer's activations and each LM-head chunk's. */
        PLAIN,
        /**
         * The layers' activations; the LM head is differentiated chunk by chunk after the loss
         * ({@link DeferredHead}), so no chunk's (B, chunk, vocab) fp32 log-softmax is kept.
         */
        DEFERRED_HEAD,
        /**
         * Only each layer's input ({@link DecoderModel#forwardRecomputed}), and the deferred head.
         */
        RECOMPUTED
    }

    /**
     * As above; with {@link Backward#RECOMPUTED} the layers keep only their inputs ({@link
     * DecoderModel#forwardRecomputed}, LoRA dropout reseeded from {@code seed}). The LM head runs
     * only from position {@code from} on: earlier positions (a batch's shortest prompt, whose
     * tokens no loss reads) get log-prob and entropy 0 and cost no LM-head work, a third of it for
     * 128-token prompts and 256-token completions. With {@code backward} other than {@link
     * Backward#PLAIN} (a training pass with gradients) the caller must call {@link
     * Result#finishBackward} after its backward pass.
     */
    public static Result compute(
            DecoderModel model,
            Tensor inputIds,
            Tensor attentionMask,
            Tensor positionIds,
            LoraLookup lora,
            boolean training,
            int chunk,
            boolean withEntropy,
            Backward backward,
            long seed,
            long from) {
        boolean recompute = backward == Backward.RECOMPUTED;
        if (chunk <= 0) {
            throw new IllegalArgumentException("chunk must be > 0");
        }
        if (from < 0 || from >= inputIds.size(1) - 1) {
            throw new IllegalArgumentException(
                    "first log-prob position "
                            + from
                            + " outside [0, "
                            + (inputIds.size(1) - 1)
                            + ")");
        }
        if (recompute && positionIds != null) {
            throw new IllegalArgumentException("recomputed layers take default positions");
        }
        if (backward != Backward.PLAIN && !training) {
            throw new IllegalArgumentException(backward + " is for training passes");
        }
        Tensor lp;
        Tensor ent = null;
        DecoderModel.Recomputed recomputed =
                recompute ? model.forwardRecomputed(inputIds, attentionMask, lora, seed) : null;
        DeferredHead head = null;
        try (PointerScope scope = new PointerScope()) {
            long t = inputIds.size(1);
            Tensor h =
                    recomputed != null
                            ? recomputed.hidden()
                            : model.hidden(
                                    inputIds, attentionMask, positionIds, null, lora, training);
            if (backward != Backward.PLAIN) {
                head = new DeferredHead(model, h, inputIds, lora, training, chunk, seed, from);
            }
            List<Tensor> lps = new ArrayList<>();
            List<Tensor> ents = new ArrayList<>();
            if (from > 0) {
                Tensor skipped =
                        Tensors.zeros(
                                model.device(),
                                dev.troupe.tensor.DType.F32,
                                inputIds.size(0),
                                from);
                lps.add(skipped);
                ents.add(skipped);
            }
            try (NoGrad noGrad = head != null ? new NoGrad() : null) {
                Tensor source = head != null ? h.detach() : h;
                for (long start = from; start < t - 1; start += chunk) {
                    long len = Math.min(chunk, t - 1 - start);
                    Tensor logSoftmax =
                            head != null
                                    ? head.chunkLogSoftmax(source, start, len)
                                    : chunkLogSoftmax(model, source, lora, training, start, len);
                    Tensor targets = inputIds.narrow(1, start + 1, len).unsqueeze(-1);
                    lps.add(logSoftmax.gather(-1, targets).squeeze(-1));
                    if (withEntropy) {
                        // A metric, never differentiated: built outside autograd, so the chunk's
                        // (B, len, vocab) probabilities are not kept alive until the backward
                        // pass.
                        entropyInto(ents, logSoftmax);
                    }
                }
            }
            lp = Owned.keep(torch.cat(new TensorVector(lps.toArray(new Tensor[0])), 1));
            if (head != null) {
                // A leaf: the caller's loss leaves its gradient here (see DeferredHead).
                lp.requires_grad_(true);
            }
            if (withEntropy) {
                ent = Owned.keep(torch.cat(new TensorVector(ents.toArray(new Tensor[0])), 1));
            }
        } catch (RuntimeException e) {
            if (head != null) {
                head.close();
            }
            if (recomputed != null) {
                recomputed.close();
            }
            throw e;
        }
        return new Result(
                Owned.toCaller(lp), ent == null ? null : Owned.toCaller(ent), recomputed, head);
    }

    /** fp32 log-softmax (B, len, vocab) of the LM head over positions [start, start + len). */
    private static Tensor chunkLogSoftmax(
            DecoderModel model, Tensor h, LoraLookup lora, boolean training, long start, long len) {
        return Ops.logSoftmaxF32(model.logits(h.narrow(1, start, len), lora, training), -1);
    }

    private static void entropyInto(List<Tensor> ents, Tensor logSoftmax) {
        try (NoGrad noGrad = new NoGrad()) {
            Tensor l = logSoftmax.detach();
            Tensor p = l.exp();
            ents.add(
                    p.mul(l)
                            .sum(
                                    new long[] {-1},
                                    false,
                                    new org.bytedeco.pytorch.ScalarTypeOptional())
                            .neg());
        }
    }
}
