package dev.troupe.reward.builtin;

import static dev.troupe.reward.testing.Inputs.completion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import dev.troupe.reward.RewardResult;
import dev.troupe.reward.builtin.FormatRule.Match;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FormatRewardTest {

    private static final List<String> THINK_ANSWER = List.of("think", "answer");

    private static FormatRule.Check check(Match match, String completion) {
        return new FormatRule(THINK_ANSWER, match, false).check(completion.replace("\\n", "\n"));
    }

    @ParameterizedTest(name = "\"{0}\": whole {1}, start {2}, anywhere {3}")
    @CsvSource(
            delimiter = '|',
            value = {
                "<think>a</think><answer>4</answer>                 | true  | true  | true",
                "  <think>a</think>\\n<answer>4</answer>\\n         | true  | true  | true",
                "<think>a</think> so <answer>4</answer>             | false | true  | true",
                "<think>a</think><answer>4</answer> Done.           | false | true  | true",
                "Sure! <think>a</think><answer>4</answer>           | false | false | true",
                "<answer>4</answer><think>a</think>                 | false | false | false",
                "<think>a</think><answer> </answer>                 | false | false | false",
                "<think>a</think>                                   | false | false | false",
                "<think>a<answer>4</answer></think>                 | false | false | false",
                "<think>a</think><think>b</think><answer>4</answer> | false | false | false",
                "<think>a</think><answer>4</answer></answer>        | false | false | false",
                "</think>a<think><answer>4</answer>                 | false | false | false",
            })
    void shouldMatchTagPairsPerMode(
            String completion, boolean whole, boolean start, boolean anywhere) {
        assertEquals(
                whole,
                check(Match.WHOLE, completion).ok(),
                check(Match.WHOLE, completion).reason());
        assertEquals(
                start,
                check(Match.START, completion).ok(),
                check(Match.START, completion).reason());
        assertEquals(
                anywhere,
                check(Match.ANYWHERE, completion).ok(),
                check(Match.ANYWHERE, completion).reason());
    }

    @Test
    void shouldSayWhyFormatIsWrong() {
        assertEquals("no <answer>", check(Match.WHOLE, "<think>a</think>").reason());
        assertEquals("no </answer>", check(Match.WHOLE, "<think>a</think><answer>4").reason());
        assertEquals(
                "<answer> is empty",
                check(Match.WHOLE, "<think>a</think><answer></answer>").reason());
        assertEquals(
                "<answer> comes before </think>",
                check(Match.WHOLE, "<think>a<answer>4</answer></think>").reason());
        assertEquals(
                "text before <think>",
                check(Match.WHOLE, "Hi <think>a</think><answer>4</answer>").reason());
        assertEquals(
                "text after </answer>",
                check(Match.WHOLE, "<think>a</think><answer>4</answer>!").reason());
    }

    @Test
    void shouldAllowEmptyContentWhenConfigured() {
        FormatRule rule = new FormatRule(THINK_ANSWER, Match.WHOLE, true);
        assertEquals(true, rule.check("<think></think><answer>4</answer>").ok());
    }

    @Test
    void shouldMatchTrlThinkFormatRewardExamples() {
        // TRL's think_format_reward docstring: [1.0, 0.0] for these two completions.
        FormatReward reward =
                new FormatReward(new FormatRule(List.of("think"), Match.START, false), 1.0, 0.0);
        assertEquals(
                1.0,
                reward.score(
                                completion(
                                        "<think>\nThis is my reasoning.\n</think>\nThis is my answer."))
                        .score());
        assertEquals(
                0.0,
                reward.score(completion("<think>\nThis is my reasoning.\nThis is my answer."))
                        .score());
    }

    @Test
    void shouldUseConfiguredScoresAndReportDetails() {
        FormatReward reward =
                new FormatReward(new FormatRule(THINK_ANSWER, Match.WHOLE, false), 0.5, -1.0);
        RewardResult hit = reward.score(completion("<think>3 + 4</think><answer>7</answer>"));
        RewardResult miss = reward.score(completion("<think>3 + 4</think> 7"));
        assertEquals(0.5, hit.score());
        assertEquals(Map.of("matched", "true"), hit.details());
        assertEquals(-1.0, miss.score());
        assertEquals(Map.of("matched", "false", "reason", "no <answer>"), miss.details());
    }

    @Test
    void shouldRejectBadTagNames() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new FormatRule(List.of(), Match.WHOLE, false));
        assertThrows(
                IllegalArgumentException.class,
                () -> new FormatRule(List.of("<think>"), Match.WHOLE, false));
        assertThrows(
                IllegalArgumentException.class,
                () -> new FormatRule(List.of("think", "think"), Match.WHOLE, false));
    }

    @Test
    void shouldReadDefaultsFromReferenceConf() {
        FormatReward reward =
                FormatReward.fromConfig(
                        ConfigFactory.defaultReference().getConfig("troupe.reward.builtin.format"));
        assertEquals(new FormatRule(THINK_ANSWER, Match.WHOLE, false), reward.rule());
        assertEquals(1.0, reward.score(completion("<think>a</think><answer>4</answer>")).score());
        assertEquals(0.0, reward.score(completion("4")).score());
    }
}
