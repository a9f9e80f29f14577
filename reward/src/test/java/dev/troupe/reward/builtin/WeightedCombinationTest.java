package dev.troupe.reward.builtin;

import static dev.troupe.reward.testing.Inputs.completion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.troupe.reward.RewardResult;
import dev.troupe.reward.builtin.AnswerExtractor.Method;
import dev.troupe.reward.builtin.FormatRule.Match;
import dev.troupe.reward.builtin.WeightedCombination.Term;
import java.util.List;
import org.junit.jupiter.api.Test;

class WeightedCombinationTest {

    private static final FormatReward FORMAT =
            new FormatReward(
                    new FormatRule(List.of("think", "answer"), Match.WHOLE, false), 1.0, 0.0);
    private static final Gsm8kCorrectnessReward CORRECT =
            new Gsm8kCorrectnessReward(
                    new AnswerExtractor(Method.STRICT, "answer", 300), 1.0, 0.0, 0.0);

    @Test
    void shouldSumWeightedScores() {
        WeightedCombination combination =
                new WeightedCombination(
                        List.of(new Term("format", 0.5, FORMAT), new Term("gsm8k", 2.0, CORRECT)));
        RewardResult rightFormatWrongAnswer =
                combination.score(completion("<think>a</think><answer>17</answer>", "18"));
        RewardResult bothRight =
                combination.score(completion("<think>a</think><answer>18</answer>", "18"));

        assertEquals(0.5 * 1.0 + 2.0 * 0.0, rightFormatWrongAnswer.score());
        assertEquals(0.5 * 1.0 + 2.0 * 1.0, bothRight.score());
        assertEquals("1.0", rightFormatWrongAnswer.details().get("format"));
        assertEquals("true", rightFormatWrongAnswer.details().get("format.matched"));
        assertEquals("0.0", rightFormatWrongAnswer.details().get("gsm8k"));
        assertEquals("17", rightFormatWrongAnswer.details().get("gsm8k.extracted"));
    }

    @Test
    void shouldAllowNegativeAndZeroWeights() {
        WeightedCombination combination =
                new WeightedCombination(
                        List.of(
                                new Term("penalty", -0.5, input -> RewardResult.of(4.0)),
                                new Term("logged", 0.0, input -> RewardResult.of(100.0))));
        assertEquals(-2.0, combination.score(completion("x")).score());
        assertEquals(-2.0, combination.total(new double[] {4.0, 100.0}));
    }

    @Test
    void shouldRejectDuplicateLabelsNonFiniteWeightsAndNoTerms() {
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new WeightedCombination(
                                List.of(new Term("a", 1, FORMAT), new Term("a", 1, CORRECT))));
        assertThrows(IllegalArgumentException.class, () -> new Term("a", Double.NaN, FORMAT));
        assertThrows(IllegalArgumentException.class, () -> new WeightedCombination(List.of()));
    }

    @Test
    void shouldRefuseNonFiniteTermScore() {
        WeightedCombination combination =
                new WeightedCombination(
                        List.of(new Term("nan", 1.0, input -> RewardResult.of(Double.NaN))));
        assertThrows(IllegalStateException.class, () -> combination.score(completion("x")));
    }
}
