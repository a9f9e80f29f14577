package dev.troupe.reward.builtin;

import com.typesafe.config.Config;
import dev.troupe.reward.RewardFunction;
import dev.troupe.reward.RewardInput;
import dev.troupe.reward.RewardResult;
import dev.troupe.runconfig.ConfigValues;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Numeric correctness of a GSM8K-style answer, after veRL's {@code gsm8k.compute_score}: the answer
 * is extracted by an {@link AnswerExtractor} and compared by value with the reference answer.
 * Built-in name {@code gsm8k_correctness}.
 *
 * <ul>
 *   <li>{@code correctScore} when the extracted answer equals the reference (veRL's {@code score},
 *       1.0);
 *   <li>{@code wrongScore} when an answer was extracted but differs (veRL's {@code format_score},
 *       0.0);
 *   <li>{@code noAnswerScore} when the completion states no answer (veRL returns 0).
 * </ul>
 *
 * <p>A missing reference, or one without a number, is not the completion's fault: the function
 * throws, and the reward actor records the sample as an error instead of scoring it.
 *
 * <p>Worked example, reference {@code "Janet ... 16 - 3 - 4 = 9 eggs ... 9 * 2 = 18\n#### 18"},
 * defaults ({@code strict}, tag {@code answer}, scores 1 / 0 / 0):
 *
 * <pre>
 * "... 9 * $2 = $18.\n#### 18"            -> 1.0  {extracted=18, source=HASHES, correct=true}
 * "&lt;answer&gt;18 dollars&lt;/answer&gt;"           -> 1.0  {extracted=18, source=TAG, ...}
 * "#### 18.00"                             -> 1.0  (compared by value)
 * "#### 1,8"                               -> 0.0  (reads 1; {extracted=1, correct=false})
 * "She makes 18 dollars."                  -> 0.0  {extracted=, source=NONE} (1.0 when flexible)
 * </pre>
 *
 * <p>Config keys ({@code troupe.reward.builtin.gsm8k_correctness}): {@code method}, {@code
 * answer-tag}, {@code tail-chars} as in {@link AnswerExtractor#fromConfig}, and {@code
 * correct-score}, {@code wrong-score}, {@code no-answer-score}.
 */
public final class Gsm8kCorrectnessReward implements RewardFunction {

    private final AnswerExtractor extractor;
    private final double correctScore;
    private final double wrongScore;
    private final double noAnswerScore;

    /**
     * @param extractor where and how the answer is read from the completion
     * @param correctScore reward for the right answer
     * @param wrongScore reward for a stated but wrong answer
     * @param noAnswerScore reward when no answer can be extracted
     */
    public Gsm8kCorrectnessReward(
            AnswerExtractor extractor,
            double correctScore,
            double wrongScore,
            double noAnswerScore) {
        this.extractor = Objects.requireNonNull(extractor, "extractor");
        this.correctScore = correctScore;
        this.wrongScore = wrongScore;
        this.noAnswerScore = noAnswerScore;
    }

    /** Built from a {@code troupe.reward.builtin.gsm8k_correctness}-shaped block. */
    public static Gsm8kCorrectnessReward fromConfig(Config params) {
        return new Gsm8kCorrectnessReward(
                AnswerExtractor.fromConfig(params),
                ConfigValues.finiteDouble(params, "correct-score"),
                ConfigValues.finiteDouble(params, "wrong-score"),
                ConfigValues.finiteDouble(params, "no-answer-score"));
    }

    @Override
    public RewardResult score(RewardInput input) {
        Verdict verdict = judge(extractor, input);
        double score =
                verdict.extracted().isEmpty()
                        ? noAnswerScore
                        : verdict.correct() ? correctScore : wrongScore;
        return RewardResult.of(score, verdict.details());
    }

    /** The outcome of comparing a completion's answer with the reference. */
    record Verdict(
            Optional<AnswerExtractor.Extracted> extracted,
            boolean correct,
            NumericAnswer reference) {

        Map<String, String> details() {
            return Map.of(
                    "extracted", extracted.map(e -> e.answer().canonical()).orElse(""),
                    "source", extracted.map(e -> e.source().name()).orElse("NONE"),
                    "reference", reference.canonical(),
                    "correct", Boolean.toString(correct));
        }
    }

    /**
     * Extracts the completion's answer and compares it with the reference.
     *
     * @throws IllegalArgumentException when the input has no reference answer or it has no number
     */
    static Verdict judge(AnswerExtractor extractor, RewardInput input) {
        if (!input.hasReference()) {
            throw new IllegalArgumentException(
                    "sample " + input.sampleId() + " has no reference answer to check against");
        }
        NumericAnswer reference =
                NumericAnswer.parseReference(input.reference())
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "reference answer of sample "
                                                        + input.sampleId()
                                                        + " has no number: '"
                                                        + abbreviate(input.reference())
                                                        + "'"));
        Optional<AnswerExtractor.Extracted> extracted = extractor.extract(input.completion());
        boolean correct = extracted.map(e -> e.answer().sameValue(reference)).orElse(false);
        return new Verdict(extracted, correct, reference);
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
