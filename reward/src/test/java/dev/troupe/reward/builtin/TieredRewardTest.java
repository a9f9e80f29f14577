package dev.troupe.reward.builtin;

import static dev.troupe.reward.testing.Inputs.completion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import dev.troupe.reward.RewardResult;
import dev.troupe.reward.builtin.AnswerExtractor.Method;
import dev.troupe.reward.builtin.FormatRule.Match;
import java.util.List;
import org.junit.jupiter.api.Test;

class TieredRewardTest {

    private static final TieredReward DEFAULTS =
            TieredReward.fromConfig(
                    ConfigFactory.defaultReference()
                            .getConfig("troupe.reward.builtin.tiered_0_1_10"));

    @Test
    void shouldGiveTenWhenFormatAndAnswerAreRight() {
        RewardResult result =
                DEFAULTS.score(completion("<think>9 * 2</think><answer>18</answer>", "#### 18"));
        assertEquals(10.0, result.score());
        assertEquals("answer_right", result.details().get("tier"));
    }

    @Test
    void shouldGiveOneWhenFormatIsRightAndAnswerWrongOrMissing() {
        assertEquals(
                1.0,
                DEFAULTS.score(completion("<think>9 * 3</think><answer>27</answer>", "18"))
                        .score());
        assertEquals(
                1.0,
                DEFAULTS.score(completion("<think>hm</think><answer>eighteen</answer>", "18"))
                        .score());
    }

    @Test
    void shouldGiveZeroWhenFormatIsWrongEvenWithRightAnswer() {
        RewardResult result = DEFAULTS.score(completion("9 * 2 = 18\n#### 18", "18"));
        assertEquals(0.0, result.score());
        assertEquals("format_wrong", result.details().get("tier"));
        assertEquals("no <think>", result.details().get("format"));
    }

    @Test
    void shouldUseConfiguredTierScores() {
        TieredReward reward =
                new TieredReward(
                        new FormatRule(List.of("answer"), Match.ANYWHERE, false),
                        new AnswerExtractor(Method.STRICT, "answer", 300),
                        -1.0,
                        0.25,
                        2.0);
        assertEquals(2.0, reward.score(completion("So <answer>$1,234</answer>", "1234")).score());
        assertEquals(0.25, reward.score(completion("So <answer>1,235</answer>", "1234")).score());
        assertEquals(-1.0, reward.score(completion("So 1,234", "1234")).score());
    }

    @Test
    void shouldThrowWithoutReferenceWhateverTheFormat() {
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.score(completion("no format")));
        assertThrows(
                IllegalArgumentException.class,
                () -> DEFAULTS.score(completion("<think>a</think><answer>4</answer>")));
    }
}
