package dev.troupe.reward.builtin;

import com.typesafe.config.Config;
import dev.troupe.reward.RewardFunction;
import dev.troupe.reward.RewardInput;
import dev.troupe.reward.RewardResult;
import dev.troupe.runconfig.ConfigValues;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The three-tier reward of the GRPO-with-verifiable-rewards recipe on Qwen2.5-3B: {@code
 * formatWrongScore} (0) when the format is wrong, {@code answerWrongScore} (1) when the format is
 * right and the answer wrong or missing, {@code answerRightScore} (10) when both are right.
 * Built-in name {@code tiered_0_1_10}.
 *
 * <p>The format is a {@link FormatRule}; the answer is extracted by an {@link AnswerExtractor} (by
 * default from the {@code <answer>} tag) and compared by value with the reference answer. A missing
 * reference, or one without a number, throws, which the reward actor records as an error.
 *
 * <p>Worked example, reference {@code "#### 18"}, defaults (tags {@code [think, answer]} matched
 * whole, answer from the tag, scores 0 / 1 / 10):
 *
 * <pre>
 * "&lt;think&gt;9 * 2&lt;/think&gt;&lt;answer&gt;18&lt;/answer&gt;"   -> 10.0  {tier=answer_right}
 * "&lt;think&gt;9 * 3&lt;/think&gt;&lt;answer&gt;27&lt;/answer&gt;"   -> 1.0   {tier=answer_wrong}
 * "9 * 2 = 18\n#### 18"                   -> 0.0   {tier=format_wrong, format=no &lt;think&gt;}
 * </pre>
 *
 * <p>Config keys ({@code troupe.reward.builtin.tiered_0_1_10}): {@code format-wrong-score}, {@code
 * answer-wrong-score}, {@code answer-right-score}, a {@code format} block as {@link
 * FormatRule#fromConfig} reads and an {@code answer} block as {@link AnswerExtractor#fromConfig}
 * reads.
 */
public final class TieredReward implements RewardFunction {

    private final FormatRule format;
    private final AnswerExtractor extractor;
    private final double formatWrongScore;
    private final double answerWrongScore;
    private final double answerRightScore;

    /**
     * @param format the format of the first tier
     * @param extractor how the answer is read once the format is right
     * @param formatWrongScore reward when the format is wrong (0 in the recipe)
     * @param answerWrongScore reward when the format is right and the answer is not (1)
     * @param answerRightScore reward when both are right (10)
     */
    public TieredReward(
            FormatRule format,
            AnswerExtractor extractor,
            double formatWrongScore,
            double answerWrongScore,
            double answerRightScore) {
        this.format = Objects.requireNonNull(format, "format");
        this.extractor = Objects.requireNonNull(extractor, "extractor");
        this.formatWrongScore = formatWrongScore;
        this.answerWrongScore = answerWrongScore;
        this.answerRightScore = answerRightScore;
    }

    /** Built from a {@code troupe.reward.builtin.tiered_0_1_10}-shaped block. */
    public static TieredReward fromConfig(Config params) {
        return new TieredReward(
                FormatRule.fromConfig(params.getConfig("format")),
                AnswerExtractor.fromConfig(params.getConfig("answer")),
                ConfigValues.finiteDouble(params, "format-wrong-score"),
                ConfigValues.finiteDouble(params, "answer-wrong-score"),
                ConfigValues.finiteDouble(params, "answer-right-score"));
    }

    @Override
    public RewardResult score(RewardInput input) {
        // Judged first so that a sample without a usable reference fails whatever its format.
        Gsm8kCorrectnessReward.Verdict verdict = Gsm8kCorrectnessReward.judge(extractor, input);
        FormatRule.Check check = format.check(input.completion());
        if (!check.ok()) {
            return RewardResult.of(
                    formatWrongScore, Map.of("tier", "format_wrong", "format", check.reason()));
        }
        Map<String, String> details = new HashMap<>(verdict.details());
        details.put("tier", verdict.correct() ? "answer_right" : "answer_wrong");
        details.put("format", "ok");
        return RewardResult.of(verdict.correct() ? answerRightScore : answerWrongScore, details);
    }
}
