package dev.troupe.reward.builtin;

import com.typesafe.config.Config;
import dev.troupe.reward.RewardFunction;
import dev.troupe.reward.RewardInput;
import dev.troupe.reward.RewardResult;
import dev.troupe.runconfig.ConfigValues;
import java.util.Map;
import java.util.Objects;

/**
 * Rewards a completion for having the tagged format of a {@link FormatRule}: {@code matchScore}
 * when it has it, {@code missScore} when not. Built-in name {@code format}; TRL's {@code
 * think_format_reward} is this with tags {@code [think]}, match {@code start} and scores 1 / 0.
 *
 * <p>Worked example, with the defaults (tags {@code [think, answer]}, match {@code whole}, scores 1
 * / 0):
 *
 * <pre>
 * "&lt;think&gt;3 + 4&lt;/think&gt;&lt;answer&gt;7&lt;/answer&gt;"  -> 1.0  {matched=true}
 * "&lt;think&gt;3 + 4&lt;/think&gt; 7"                 -> 0.0  {matched=false, reason=no &lt;answer&gt;}
 * </pre>
 *
 * <p>Config keys ({@code troupe.reward.builtin.format}): {@code tags}, {@code match}, {@code
 * allow-empty} as in {@link FormatRule#fromConfig}, and {@code match-score}, {@code miss-score}.
 */
public final class FormatReward implements RewardFunction {

    private final FormatRule rule;
    private final double matchScore;
    private final double missScore;

    /**
     * @param rule the format to check
     * @param matchScore reward when the completion has the format
     * @param missScore reward when it does not
     */
    public FormatReward(FormatRule rule, double matchScore, double missScore) {
        this.rule = Objects.requireNonNull(rule, "rule");
        this.matchScore = matchScore;
        this.missScore = missScore;
    }

    /** Built from a {@code troupe.reward.builtin.format}-shaped block. */
    public static FormatReward fromConfig(Config params) {
        return new FormatReward(
                FormatRule.fromConfig(params),
                ConfigValues.finiteDouble(params, "match-score"),
                ConfigValues.finiteDouble(params, "miss-score"));
    }

    @Override
    public RewardResult score(RewardInput input) {
        FormatRule.Check check = rule.check(input.completion());
        if (check.ok()) {
            return RewardResult.of(matchScore, Map.of("matched", "true"));
        }
        return RewardResult.of(missScore, Map.of("matched", "false", "reason", check.reason()));
    }

    /** The format this reward checks. */
    public FormatRule rule() {
        return rule;
    }
}
