package dev.troupe.reward.builtin;

import static dev.troupe.reward.testing.Inputs.completion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.troupe.reward.RewardResult;
import dev.troupe.reward.builtin.AnswerExtractor.Method;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Gsm8kCorrectnessRewardTest {

    private static final String JANET =
            "Janet sells 16 - 3 - 4 = 9 duck eggs a day.\nShe makes 9 * 2 = $18 every day.\n#### 18";

    // Scores 2 / -1 / -2 keep the three outcomes apart.
    private static Gsm8kCorrectnessReward reward(Method method) {
        return new Gsm8kCorrectnessReward(
                new AnswerExtractor(method, "answer", 300), 2.0, -1.0, -2.0);
    }

    @ParameterizedTest(name = "strict: \"{0}\" vs \"{1}\" -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "The answer is 1,234.            | 1234  | -2.0",
                "So 1,000 + 234 = 1,234\\n#### 1,234 | 1234 | 2.0",
                "#### -5                         | -5    | 2.0",
                "#### -5                         | 5     | -1.0",
                "#### 3.50                       | 3.5   | 2.0",
                "#### 3.50                       | 3.05  | -1.0",
                "18 dollars                      | 18    | -2.0",
                "I cannot tell.                  | 18    | -2.0",
                "#### 3 and then 5               | 5     | -1.0",
                "<answer>$18</answer>            | 18    | 2.0",
                "#### 3/4                        | 0.75  | 2.0",
                "#### 1,8                        | 18    | -1.0",
            })
    void shouldScoreStrictExtractionLikeVerl(String text, String reference, double expected) {
        RewardResult result =
                reward(Method.STRICT).score(completion(text.replace("\\n", "\n"), reference));
        assertEquals(expected, result.score(), result.details().toString());
    }

    @ParameterizedTest(name = "flexible: \"{0}\" vs \"{1}\" -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "The answer is 1,234.            | 1234  | 2.0",
                "18 dollars                      | 18    | 2.0",
                "3 apples and 5 oranges          | 5     | 2.0",
                "3 apples and 5 oranges          | 3     | -1.0",
                "I cannot tell.                  | 18    | -2.0",
                "#### 3.50                       | 3.5   | 2.0",
            })
    void shouldScoreFlexibleExtractionByLastNumber(String text, String reference, double expected) {
        RewardResult result = reward(Method.FLEXIBLE).score(completion(text, reference));
        assertEquals(expected, result.score(), result.details().toString());
    }

    @Test
    void shouldReadReferenceFromGsm8kSolutionText() {
        RewardResult result =
                reward(Method.STRICT).score(completion("She makes $18.\n#### 18.00", JANET));
        assertEquals(2.0, result.score());
        assertEquals("18", result.details().get("extracted"));
        assertEquals("HASHES", result.details().get("source"));
        assertEquals("18", result.details().get("reference"));
        assertEquals("true", result.details().get("correct"));
    }

    @Test
    void shouldReportNoAnswerInDetails() {
        RewardResult result = reward(Method.STRICT).score(completion("no idea", "18"));
        assertEquals("", result.details().get("extracted"));
        assertEquals("NONE", result.details().get("source"));
        assertEquals("false", result.details().get("correct"));
    }

    @Test
    void shouldThrowWhenReferenceIsMissingOrHasNoNumber() {
        IllegalArgumentException missing =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> reward(Method.STRICT).score(completion("#### 18")));
        assertTrue(missing.getMessage().contains("no reference answer"), missing.getMessage());
        IllegalArgumentException noNumber =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> reward(Method.STRICT).score(completion("#### 18", "eighteen")));
        assertTrue(noNumber.getMessage().contains("has no number"), noNumber.getMessage());
    }

    @Test
    void shouldDefaultToVerlScoresFromReferenceConf() {
        Gsm8kCorrectnessReward reward =
                Gsm8kCorrectnessReward.fromConfig(
                        ConfigFactory.defaultReference()
                                .getConfig("troupe.reward.builtin.gsm8k_correctness"));
        assertEquals(1.0, reward.score(completion("#### 18", "18")).score());
        assertEquals(0.0, reward.score(completion("#### 17", "18")).score());
        assertEquals(0.0, reward.score(completion("18", "18")).score());
    }
}
