package dev.troupe.reward.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.troupe.reward.builtin.AnswerExtractor.Method;
import dev.troupe.reward.builtin.AnswerExtractor.Source;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AnswerExtractorTest {

    private static final AnswerExtractor STRICT = new AnswerExtractor(Method.STRICT, "answer", 300);
    private static final AnswerExtractor FLEXIBLE =
            new AnswerExtractor(Method.FLEXIBLE, "answer", 300);

    private static String answer(AnswerExtractor extractor, String completion) {
        return extractor.extract(completion).map(e -> e.answer().canonical()).orElse("none");
    }

    private static Source source(AnswerExtractor extractor, String completion) {
        return extractor.extract(completion).map(AnswerExtractor.Extracted::source).orElse(null);
    }

    @Test
    void shouldReadNumberAfterLastHashesInBothModes() {
        String completion = "First #### 3, then I fixed it.\n#### 5";
        assertEquals("5", answer(STRICT, completion));
        assertEquals("5", answer(FLEXIBLE, completion));
        assertEquals(Source.HASHES, source(STRICT, completion));
    }

    @Test
    void shouldAcceptDollarAndMissingSpaceAfterHashes() {
        assertEquals("18", answer(STRICT, "####18"));
        assertEquals("1234.5", answer(STRICT, "#### $1,234.50"));
        assertEquals("-5", answer(STRICT, "#### -5"));
    }

    @Test
    void shouldSkipHashesWithoutNumberAfterThem() {
        assertEquals("none", answer(STRICT, "#### The answer is 5"));
        assertEquals("5", answer(FLEXIBLE, "#### The answer is 5"));
        assertEquals("7", answer(STRICT, "#### 7 and later #### unsure"));
    }

    @Test
    void shouldNeedMarkedAnswerWhenStrictButTakeLastNumberWhenFlexible() {
        assertEquals("none", answer(STRICT, "The answer is 1,234."));
        assertEquals("1234", answer(FLEXIBLE, "The answer is 1,234."));
        assertEquals(Source.LAST_NUMBER, source(FLEXIBLE, "The answer is 1,234."));
        assertEquals("18", answer(FLEXIBLE, "18 dollars"));
        assertEquals("5", answer(FLEXIBLE, "3 apples and 5 oranges"));
        assertEquals("none", answer(FLEXIBLE, "I do not know."));
    }

    @Test
    void shouldPreferLastAnswerTagOverHashes() {
        String completion =
                "<think>#### 3</think><answer>first 4</answer> <answer>$18 total</answer>";
        assertEquals("18", answer(STRICT, completion));
        assertEquals(Source.TAG, source(STRICT, completion));
        assertEquals("18", answer(STRICT, "<answer>3 + 15 = 18</answer>"));
        assertEquals("9", answer(STRICT, "<answer>3 times #### 9 dollars</answer>"));
    }

    @Test
    void shouldFallBackToHashesWhenAnswerTagHasNoNumberOrIsOpen() {
        assertEquals("6", answer(STRICT, "<answer>six</answer>\n#### 6"));
        assertEquals("6", answer(STRICT, "#### 6 <answer>6"));
        assertEquals(
                "none", answer(new AnswerExtractor(Method.STRICT, "", 300), "<answer>6</answer>"));
    }

    @Test
    void shouldSearchHashesOnlyInTailLikeVerl() {
        String completion = "#### 18\n" + "x".repeat(400);
        assertEquals("none", answer(STRICT, completion));
        assertEquals("18", answer(new AnswerExtractor(Method.STRICT, "answer", 0), completion));
        assertEquals("18", answer(STRICT, "<answer>18</answer>" + "x".repeat(400)));
    }

    @Test
    void shouldRejectTagWithAngleBrackets() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new AnswerExtractor(Method.STRICT, "<answer>", 300));
        assertEquals(Optional.empty(), STRICT.extract(""));
    }
}
