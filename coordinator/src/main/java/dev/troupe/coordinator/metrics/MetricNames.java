package dev.troupe.coordinator.metrics;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Names of the per-step metrics, in snake_case, as they appear in {@code metrics.jsonl} and as
 * TensorBoard tags. Rates and accuracies are fractions in [0, 1] (only {@code summary.json} gives
 * accuracy in percent).
 */
public final class MetricNames {
    private MetricNames() {}

    /** Mean total reward over the step's completions. */
    public static final String REWARD_MEAN = "reward_mean";

    /** Standard deviation (population) of the total reward over the step's completions. */
    public static final String REWARD_STD = "reward_std";

    /** Share of completions whose answer is correct, in [0, 1]. */
    public static final String ACCURACY = "accuracy";

    /** Share of completions in the expected format, in [0, 1]. */
    public static final String FORMAT_RATE = "format_rate";

    /** Mean completion length in tokens. */
    public static final String RESPONSE_LENGTH = "response_length";

    /** Mean per-token KL divergence to the reference policy (k3 estimator). */
    public static final String KL = "kl";

    /** Mean per-token entropy of the policy, in nats. */
    public static final String ENTROPY = "entropy";

    /** Share of tokens whose importance ratio was clipped, in [0, 1]. */
    public static final String CLIP_FRACTION = "clip_fraction";

    /** Global L2 norm of the LoRA gradients before clipping. */
    public static final String GRAD_NORM = "grad_norm";

    /** Learning rate of the step. */
    public static final String LEARNING_RATE = "learning_rate";

    /** Generated tokens per second of wall time in the step's rollouts. */
    public static final String ROLLOUT_TOKENS_PER_S = "rollout_tokens_per_s";

    /** Wall time of the learner's optimisation of the step, in seconds. */
    public static final String LEARNER_STEP_SECONDS = "learner_step_seconds";

    /** Bytes of adapter sent to the rollout actors after the step. */
    public static final String ADAPTER_SYNC_BYTES = "adapter_sync_bytes";

    /** Wall time of the adapter sync, in seconds. */
    public static final String ADAPTER_SYNC_SECONDS = "adapter_sync_seconds";

    /** Field names of a {@code metrics.jsonl} line that are not metrics, so no metric may use. */
    public static final Set<String> RESERVED = Set.of("step", "wall_time");

    private static final Pattern SNAKE_CASE = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");

    /** Mean reward of one reward function: {@code reward_<function>_mean}. */
    public static String rewardMean(String function) {
        return requireSnakeCase("reward_" + function + "_mean");
    }

    /** Standard deviation of one reward function's reward: {@code reward_<function>_std}. */
    public static String rewardStd(String function) {
        return requireSnakeCase("reward_" + function + "_std");
    }

    /** Whether {@code name} is snake_case: lower-case words of letters and digits joined by _. */
    public static boolean isSnakeCase(String name) {
        return SNAKE_CASE.matcher(name).matches();
    }

    /** {@code name}, if it is snake_case and not reserved. */
    public static String requireSnakeCase(String name) {
        if (!isSnakeCase(name)) {
            throw new IllegalArgumentException(
                    "metric name '" + name + "' is not snake_case (e.g. reward_mean)");
        }
        if (RESERVED.contains(name)) {
            throw new IllegalArgumentException(
                    "metric name '" + name + "' is reserved for the line's own field");
        }
        return name;
    }
}
