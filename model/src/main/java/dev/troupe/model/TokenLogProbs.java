package dev.troupe.model;

import dev.troupe.model.layers.Ops;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.tensor.NoGrad;
import dev.troupe.tensor.Owned;
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
    public record Result(Tensor logProbs, Tensor entropy, DecoderModel.Recomputed recomputed) {
        public Result(Tensor logProbs, Tensor entropy) {
            this(logProbs, entropy, null);
        }

        /**
         * After the loss built on {@link #logProbs} was backpropagated: carries the gradient
         * through the recomputed layers (nothing to do without recomputation) and frees their
         * inputs.
         */
        public void finishBackward() {
            if (recomputed != null) {
                try (recomputed) {
                    recomputed.backward();
                }
            }
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
                false,
                0);
    }

    /**
     * As above; with {@code recompute} (a training pass with gradients) the layers keep only their
     * inputs ({@link DecoderModel#forwardRecomputed}, LoRA dropout reseeded from {@code seed}) and
     * the caller must call {@link Result#finishBackward} after its backward pass.
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
            boolean recompute,
            long seed) {
        if (chunk <= 0) {
            throw new IllegalArgumentException("chunk must be > 0");
        }
        if (recompute && (positionIds != null || !training)) {
            throw new IllegalArgumentException(
                    "recomputed layers are for training passes with default positions");
        }
        Tensor lp;
        Tensor ent = null;
        DecoderModel.Recomputed recomputed =
                recompute ? model.forwardRecomputed(inputIds, attentionMask, lora, seed) : null;
        try (PointerScope scope = new PointerScope()) {
            long t = inputIds.size(1);
            Tensor h =
                    recomputed != null
                            ? recomputed.hidden()
                            : model.hidden(
                                    inputIds, attentionMask, positionIds, null, lora, training);
            List<Tensor> lps = new ArrayList<>();
            List<Tensor> ents = new ArrayList<>();
            for (long start = 0; start < t - 1; start += chunk) {
                long len = Math.min(chunk, t - 1 - start);
                Tensor logits = model.logits(h.narrow(1, start, len), lora, training);
                Tensor logSoftmax = Ops.logSoftmaxF32(logits, -1); // (B, len, V)
                Tensor targets = inputIds.narrow(1, start + 1, len).unsqueeze(-1);
                lps.add(logSoftmax.gather(-1, targets).squeeze(-1));
                if (withEntropy) {
                    // A metric, never differentiated: built outside autograd, so the chunk's
                    // (B, len, vocab) probabilities are not kept alive until the backward pass.
                    entropyInto(ents, logSoftmax);
                }
            }
            lp = Owned.keep(torch.cat(new TensorVector(lps.toArray(new Tensor[0])), 1));
            if (withEntropy) {
                ent = Owned.keep(torch.cat(new TensorVector(ents.toArray(new Tensor[0])), 1));
            }
        } catch (RuntimeException e) {
            if (recomputed != null) {
                recomputed.close();
            }
            throw e;
        }
        return new Result(Owned.toCaller(lp), ent == null ? null : Owned.toCaller(ent), recomputed);
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
