package dev.troupe.learner.optim;

/**
 * Linear warmup then cosine decay, as transformers' {@code get_cosine_schedule_with_warmup} (one
 * half-cosine) with an optional floor:
 *
 * <pre>
 *   lr(s) = peak * s / warmup                                          for s &lt; warmup
 *   lr(s) = peak * (min + (1 - min) * 0.5 * (1 + cos(pi * (s - warmup) / (total - warmup))))
 * </pre>
 *
 * where {@code s} counts optimiser steps from 0 and {@code min} is the floor as a fraction of the
 * peak.
 */
public record LearningRateSchedule(double peak, int warmupSteps, int totalSteps, double minRatio) {

    public LearningRateSchedule {
        if (!(peak > 0)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + peak);
        }
        if (warmupSteps < 0 || totalSteps <= 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException(
                    "need 0 <= warmup ("
                            + warmupSteps
                            + ") <= total ("
                            + totalSteps
                            + ") and total > 0");
        }
        if (minRatio < 0 || minRatio > 1) {
            throw new IllegalArgumentException("min ratio must be in [0, 1], got " + minRatio);
        }
    }

    /**
     * The learning rate of optimiser step {@code s} (0-based); past the total it stays at the
     * floor.
     */
    public double at(long s) {
        if (s < warmupSteps) {
            return peak * (double) s / Math.max(1, warmupSteps);
        }
        double progress =
                totalSteps == warmupSteps
                        ? 1.0
                        : Math.min(1.0, (double) (s - warmupSteps) / (totalSteps - warmupSteps));
        double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
        return peak * (minRatio + (1 - minRatio) * cosine);
    }
}
