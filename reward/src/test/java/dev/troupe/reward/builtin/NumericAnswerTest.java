package dev.troupe.reward.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NumericAnswerTest {

    private static List<String> numbers(String text) {
        return NumericAnswer.findAll(text).stream().map(NumericAnswer::canonical).toList();
    }

    @ParameterizedTest(name = "\"{0}\" reads {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "1,234                  | 1234",
                "12,345,678             | 12345678",
                "The answer is 1,234.   | 1234",
                "#### -5                | -5",
                "\u22125 degrees        | -5",
                "3.50                   | 3.5",
                "$18                    | 18",
                "-$3.50                 | -3.5",
                "$1,234.50              | 1234.5",
                "18 dollars             | 18",
                "50%                    | 50",
                "costs .5 each          | 0.5",
                "3/4 of the cake        | 3/4",
                "18.00                  | 18",
                "0.0                    | 0",
                "1e5                    | 1",
            })
    void shouldReadOneNumberFromGsm8kStyleText(String text, String expected) {
        assertEquals(List.of(expected), numbers(text));
    }

    @Test
    void shouldReadBadlyGroupedCommasAsSeparateNumbers() {
        assertEquals(List.of("3", "4"), numbers("3,4"));
        assertEquals(List.of("1", "2345"), numbers("1,2345"));
    }

    @Test
    void shouldIgnoreDigitsGluedToLettersOrPeriods() {
        assertEquals(List.of(), numbers("x2 and step_3"));
        assertEquals(List.of("1.2"), numbers("1.2.3"));
    }

    @Test
    void shouldReadEveryNumberInOrder() {
        assertEquals(List.of("3", "5"), numbers("3 apples and 5 oranges"));
        assertEquals(List.of("10", "15"), numbers("pages 10-15"));
        assertEquals(List.of(), numbers("no number here"));
    }

    @Test
    void shouldIgnoreFractionWithZeroDenominator() {
        assertEquals(List.of("7"), numbers("5/0 then 7"));
    }

    @Test
    void shouldCompareByValueNotByText() {
        NumericAnswer threeFifty = NumericAnswer.findAll("3.50").get(0);
        NumericAnswer threeFive = NumericAnswer.findAll("3.5").get(0);
        NumericAnswer threeQuarters = NumericAnswer.findAll("3/4").get(0);
        NumericAnswer pointSevenFive = NumericAnswer.findAll("0.75").get(0);
        NumericAnswer third = NumericAnswer.findAll("1/3").get(0);
        NumericAnswer roughThird = NumericAnswer.findAll("0.333").get(0);

        assertTrue(threeFifty.sameValue(threeFive));
        assertEquals(threeFifty, threeFive);
        assertEquals(threeFifty.hashCode(), threeFive.hashCode());
        assertTrue(threeQuarters.sameValue(pointSevenFive));
        assertEquals(threeQuarters.hashCode(), pointSevenFive.hashCode());
        assertFalse(third.sameValue(roughThird));
        assertEquals("$1,234.50", NumericAnswer.findAll("pay $1,234.50 now").get(0).text());
    }

    @Test
    void shouldTakeReferenceNumberAfterItsLastHashes() {
        assertEquals(
                "72",
                NumericAnswer.parseReference("48/2 = 24 clips in May.\n48 + 24 = 72\n#### 72")
                        .orElseThrow()
                        .canonical());
        assertEquals("18", NumericAnswer.parseReference("18").orElseThrow().canonical());
        assertEquals("1234", NumericAnswer.parseReference("#### 1,234").orElseThrow().canonical());
        assertEquals(Optional.empty(), NumericAnswer.parseReference("eighteen"));
    }
}
