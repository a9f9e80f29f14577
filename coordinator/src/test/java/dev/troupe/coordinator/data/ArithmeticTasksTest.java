package dev.troupe.coordinator.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.coordinator.internal.FieldException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ArithmeticTasksTest {
    static final List<Operation> PLUS_MINUS = List.of(Operation.PLUS, Operation.MINUS);

    /** The reference.conf defaults: 1-2 digits, 2 operands, + and -, no negatives. */
    static ArithmeticTaskConfig defaults(int trainSize, int testSize) {
        return new ArithmeticTaskConfig(PLUS_MINUS, 1, 2, 2, 2, false, 0.1, trainSize, testSize);
    }

    private static List<Problem> all(Dataset<Problem> data) {
        return IntStream.range(0, data.size()).mapToObj(data::get).toList();
    }

    @Test
    void shouldMatchProblemsPinnedByAnIndependentImplementationOfTheGenerator() {
        // Computed by a separate Python implementation of the algorithm in the Javadoc
        // (SplitMix64 keys, FNV-1a split hash): a change here breaks resuming old checkpoints.
        ArithmeticTasks tasks = new ArithmeticTasks(defaults(10_000, 3), 0);

        List<String> train =
                all(tasks.train()).subList(0, 5).stream()
                        .map(p -> p.metadata().get("expression") + " = " + p.referenceAnswer())
                        .toList();
        assertEquals(
                List.of(
                        "83 + 38 = 121",
                        "97 - 10 = 87",
                        "69 - 40 = 29",
                        "7 + 70 = 77",
                        "2 - 0 = 2"),
                train);
        assertEquals("What is 52 + 74?", tasks.train().get(5000).question());
        assertEquals("126", tasks.train().get(5000).referenceAnswer());
        assertEquals(
                List.of("49 + 1", "66 + 31", "7 - 1"),
                all(tasks.test()).stream().map(p -> p.metadata().get("expression")).toList());
    }

    @Test
    void shouldGiveTheSameProblemsForTheSameSeedAndOthersForAnotherSeed() {
        ArithmeticTaskConfig config = defaults(500, 50);
        List<Problem> a = all(new ArithmeticTasks(config, 42).train());
        List<Problem> b = all(new ArithmeticTasks(config, 42).train());
        List<Problem> c = all(new ArithmeticTasks(config, 43).train());

        assertEquals(a, b);
        assertNotEquals(a, c);
        assertEquals(
                all(new ArithmeticTasks(config, 42).test()),
                all(new ArithmeticTasks(config, 42).test()));
    }

    @Test
    void shouldMakeAProblemFromItsIndexAloneWhateverCameBefore() {
        ArithmeticTaskConfig config = defaults(10_000, 10);
        ArithmeticTasks fresh = new ArithmeticTasks(config, 7);
        ArithmeticTasks used = new ArithmeticTasks(config, 7);
        for (int i = 0; i < 9000; i++) {
            used.train().get(i);
        }
        assertEquals(fresh.train().get(9000), used.train().get(9000));
        assertEquals("arithmetic/train/9000", fresh.train().get(9000).id());
    }

    @Test
    void shouldKeepTrainAndTestDisjointAndTheTestSetDistinct() {
        ArithmeticTasks tasks = new ArithmeticTasks(defaults(20_000, 500), 3);
        Set<String> test = new HashSet<>();
        for (Problem p : all(tasks.test())) {
            assertTrue(test.add(p.metadata().get("expression")), "duplicate " + p);
            assertEquals("test", p.metadata().get("split"));
        }
        assertEquals(500, test.size());

        Set<String> train = new HashSet<>();
        for (Problem p : all(tasks.train())) {
            String expression = p.metadata().get("expression");
            assertFalse(test.contains(expression), expression + " is in both splits");
            assertEquals(ArithmeticTasks.Split.TRAIN, tasks.splitOf(expression));
            train.add(expression);
        }
        // Most of the ~9000 non-negative training expressions of this space show up.
        assertTrue(train.size() > 5000, "only " + train.size() + " distinct training problems");
    }

    @Test
    void shouldRespectOperationsDigitsAndOperandCounts() {
        ArithmeticTaskConfig config =
                new ArithmeticTaskConfig(
                        List.of(Operation.PLUS, Operation.TIMES), 2, 3, 3, 4, false, 0.2, 2000, 20);
        Set<Integer> operandCounts = new HashSet<>();
        Set<Integer> digitCounts = new HashSet<>();
        Set<String> symbols = new HashSet<>();
        for (Problem p : all(new ArithmeticTasks(config, 1).train())) {
            String[] tokens = p.metadata().get("expression").split(" ");
            operandCounts.add((tokens.length + 1) / 2);
            for (int i = 0; i < tokens.length; i++) {
                if (i % 2 == 0) {
                    digitCounts.add(tokens[i].length());
                    assertFalse(tokens[i].startsWith("0"), p.toString());
                } else {
                    symbols.add(tokens[i]);
                }
            }
            assertEquals("What is " + p.metadata().get("expression") + "?", p.question());
        }
        assertEquals(Set.of(3, 4), operandCounts);
        assertEquals(Set.of(2, 3), digitCounts);
        assertEquals(Set.of("+", "*"), symbols);
    }

    @Test
    void shouldGiveNoNegativeAnswerUnlessAllowed() {
        ArithmeticTaskConfig noNegative =
                new ArithmeticTaskConfig(
                        List.of(Operation.MINUS), 1, 2, 2, 3, false, 0.1, 3000, 10);
        assertTrue(
                all(new ArithmeticTasks(noNegative, 5).train()).stream()
                        .allMatch(p -> Long.parseLong(p.referenceAnswer()) >= 0));

        ArithmeticTaskConfig negative =
                new ArithmeticTaskConfig(List.of(Operation.MINUS), 1, 2, 2, 3, true, 0.1, 3000, 10);
        long negatives =
                all(new ArithmeticTasks(negative, 5).train()).stream()
                        .filter(p -> Long.parseLong(p.referenceAnswer()) < 0)
                        .count();
        assertTrue(negatives > 1000, negatives + " negative answers of 3000");
    }

    @Test
    void shouldEvaluateProductsBeforeSumsAndDifferences() {
        ArithmeticExpression e =
                new ArithmeticExpression(
                        List.of(3L, 4L, 5L, 2L, 6L),
                        List.of(Operation.PLUS, Operation.TIMES, Operation.MINUS, Operation.TIMES));

        assertEquals("3 + 4 * 5 - 2 * 6", e.text());
        assertEquals(
                List.of("4 * 5 = 20", "2 * 6 = 12", "3 + 20 = 23", "23 - 12 = 11"),
                e.steps().stream().map(Object::toString).toList());
        assertEquals(11, e.value());
    }

    @Test
    void shouldFailWhenTheProblemSpaceCannotHoldTheTestSet() {
        // One-digit sums: 100 expressions, about 10 of them test problems.
        ArithmeticTaskConfig tiny =
                new ArithmeticTaskConfig(List.of(Operation.PLUS), 1, 1, 2, 2, false, 0.1, 10, 50);
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class, () -> new ArithmeticTasks(tiny, 0).test());
        assertTrue(
                e.getMessage().contains("lower troupe.data.arithmetic.test-size"), e.getMessage());
    }

    @Test
    void shouldRejectSettingsNamingTheField() {
        List<FieldException> errors = new ArrayList<>();
        List<Runnable> bad =
                List.of(
                        () -> new ArithmeticTaskConfig(List.of(), 1, 2, 2, 2, false, 0.1, 10, 10),
                        () -> new ArithmeticTaskConfig(PLUS_MINUS, 3, 2, 2, 2, false, 0.1, 10, 10),
                        () -> new ArithmeticTaskConfig(PLUS_MINUS, 1, 2, 1, 2, false, 0.1, 10, 10),
                        () ->
                                new ArithmeticTaskConfig(
                                        List.of(Operation.TIMES), 1, 5, 2, 4, false, 0.1, 10, 10),
                        () -> new ArithmeticTaskConfig(PLUS_MINUS, 1, 2, 2, 2, false, 0.9, 10, 10),
                        () -> new ArithmeticTaskConfig(PLUS_MINUS, 1, 2, 2, 2, false, 0.1, 0, 10));
        for (Runnable r : bad) {
            errors.add(assertThrows(FieldException.class, r::run));
        }
        assertEquals(
                List.of(
                        "operations",
                        "max-digits",
                        "min-operands",
                        "max-digits",
                        "test-share",
                        "train-size"),
                errors.stream().map(FieldException::field).toList());
        assertEquals("max-digits: 2 is outside [3, 9]", errors.get(1).getMessage());
    }
}
