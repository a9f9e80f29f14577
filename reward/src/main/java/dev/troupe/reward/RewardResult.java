package dev.troupe.reward;

import java.util.Map;
import java.util.Objects;

/**
 * A reward function's verdict on one completion.
 *
 * <p>The score is taken as given here; the reward actor records a score that is NaN or infinite as
 * an {@code INVALID_SCORE} error for the sample instead of training on it.
 *
 * @param score the reward
 * @param details why, for logs and metrics (e.g. {@code extracted -> "18"}); values are strings so
 *     that they arrive unchanged in another process
 */
public record RewardResult(double score, Map<String, String> details) {

    public RewardResult {
        details = Map.copyOf(Objects.requireNonNull(details, "details"));
    }

    /** A score without details. */
    public static RewardResult of(double score) {
        return new RewardResult(score, Map.of());
    }

    /** A score with details. */
    public static RewardResult of(double score, Map<String, String> details) {
        return new RewardResult(score, details);
    }
}
