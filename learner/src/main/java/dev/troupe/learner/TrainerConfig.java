package dev.troupe.learner;

import dev.troupe.learner.algo.KlEstimator;
import dev.troupe.learner.algo.LossAggregation;
import dev.troupe.learner.optim.LearningRateSchedule;

/**
 * Settings of the learner's updates (read from {@code troupe.learner} and {@code troupe.grpo}).
 *
 * @param schedule learning rate per optimiser step
 * @param weightDecay AdamW decoupled weight decay
 * @param beta1 AdamW beta1
 * @param beta2 AdamW beta2
 * @param adamEps AdamW epsilon
 * @param maxGradNorm clip gradients to this global norm (0: no clipping)
 * @param microBatchSize sequences per forward/backward; gradients accumulate over a mini-batch
 * @param miniBatches optimiser steps per pass over a batch (the batch splits into this many)
 * @param epochs passes over each batch (PPO epochs)
 * @param clipLow ratio lower clip (1 - clipLow)
 * @param clipHigh ratio upper clip (1 + clipHigh)
 * @param dualClip dual-clip bound for negative advantages (> 1)
 * @param klBeta coefficient of the KL to the reference policy (0: no KL term, no reference pass)
 * @param kl the KL estimator
 * @param aggregation how per-token losses become a scalar
 * @param importanceCap truncated-IS cap on rollout/learner log-prob ratios (0: no correction)
 * @param logProbChunk positions per LM-head chunk when computing log-probabilities
 * @param seed seeds LoRA dropout, per step
 * @param recomputeActivations keep only each layer's input and recompute layers in the backward
 *     pass ({@link dev.troupe.model.DecoderModel#forwardRecomputed})
 * @param loraAutocast run the LoRA products in the activations' dtype, fp32 master weights (mixed
 *     precision, {@link dev.troupe.model.lora.LoraLookup#autocast}); false: in fp32 as PEFT without
 *     autocast
 */
public record TrainerConfig(
        LearningRateSchedule schedule,
        double weightDecay,
        double beta1,
        double beta2,
        double adamEps,
        double maxGradNorm,
        int microBatchSize,
        int miniBatches,
        int epochs,
        double clipLow,
        double clipHigh,
        double dualClip,
        double klBeta,
        KlEstimator kl,
        LossAggregation aggregation,
        double importanceCap,
        int logProbChunk,
        long seed,
        boolean recomputeActivations,
        boolean loraAutocast) {

    public TrainerConfig {
        if (microBatchSize <= 0 || miniBatches <= 0 || epochs <= 0 || logProbChunk <= 0) {
            throw new IllegalArgumentException(
                    "micro-batch size, mini-batches, epochs and log-prob chunk must be > 0");
        }
        if (clipLow < 0 || clipLow >= 1 || clipHigh < 0) {
            throw new IllegalArgumentException("need 0 <= clip-low < 1 and clip-high >= 0");
        }
        if (klBeta < 0 || importanceCap < 0 || maxGradNorm < 0) {
            throw new IllegalArgumentException(
                    "kl beta, importance cap and max grad norm must be >= 0");
        }
    }
}
