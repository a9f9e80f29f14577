package dev.troupe.reward;

/**
 * Scores one completion. This is the interface a researcher implements to add a reward.
 *
 * <p>A reward function is pure: its score depends only on its {@link RewardInput} and on the
 * parameters it was built with, and it keeps no state between calls. The reward actor calls it from
 * several worker threads at once, so an implementation must be thread-safe (a pure one is).
 *
 * <p>Failure is safe. If {@code score} throws, runs past the configured {@code
 * troupe.reward.sample-timeout}, returns {@code null} or returns a NaN or infinite score, the
 * sample gets a recorded error ({@code THREW}, {@code TIMED_OUT}, {@code INVALID_SCORE}), never a
 * silent zero, and the run goes on. A function that runs past its timeout is interrupted; one that
 * ignores the interrupt keeps its thread, which is abandoned and replaced (up to {@code
 * troupe.reward.worker-pool.max-stuck-workers}). Return a low score for a bad completion; throw
 * only when the function cannot judge (a missing reference answer, say).
 *
 * <p>Reward functions are trusted Java code from the classpath. Code written by the model must
 * never be run inside the JVM: a reward that executes it has to hand it to a sandboxed process.
 *
 * <p>To use a function, name it in the config: a built-in name, or the fully qualified name of a
 * class with a public no-argument constructor or a public constructor taking a {@link
 * com.typesafe.config.Config} (which receives the entry's {@code params} block):
 *
 * <pre>{@code
 * troupe.reward.functions = [
 *   { name = "format", weight = 0.2 }
 *   { name = "org.example.rewards.LengthPenalty", weight = 1.0, params { max-chars = 2000 } }
 * ]
 * }</pre>
 *
 * <p>A worked example, a reward of 1.0 when the completion is at most {@code maxChars} long:
 *
 * <pre>{@code
 * public final class LengthPenalty implements RewardFunction {
 *     private final int maxChars;
 *
 *     public LengthPenalty(Config params) {
 *         this.maxChars = params.getInt("max-chars");
 *     }
 *
 *     public RewardResult score(RewardInput input) {
 *         int length = input.completion().length();
 *         return RewardResult.of(length <= maxChars ? 1.0 : 0.0, Map.of("chars", "" + length));
 *     }
 * }
 * // completion "<think>short</think>" with max-chars = 2000 -> score 1.0, details {chars=20}
 * }</pre>
 */
@FunctionalInterface
public interface RewardFunction {

    /**
     * Scores one completion.
     *
     * @param input the prompt, completion, reference answer, metadata and sample id
     * @return the score and its details; never null
     */
    RewardResult score(RewardInput input);
}
