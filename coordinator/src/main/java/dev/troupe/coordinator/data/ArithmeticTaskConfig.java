package dev.troupe.coordinator.data;

import dev.troupe.coordinator.internal.FieldException;
import java.util.List;

/**
 * Settings of {@link ArithmeticTasks}, the keys under {@code troupe.data.arithmetic} (see the
 * module's {@code reference.conf}). A bad value fails here with a {@link FieldException} naming the
 * key.
 *
 * @param operations the operations a problem may use, at least one, no repeats
 * @param minDigits fewest digits of an operand, in [1, 9]; one digit is 0 to 9
 * @param maxDigits most digits of an operand, in [minDigits, 9]
 * @param minOperands fewest operands, in [2, 8]
 * @param maxOperands most operands, in [minOperands, 8]
 * @param allowNegative whether an answer may be below 0; if not, such problems are drawn again
 * @param testShare share of all possible problems that belong to the test split, in (0, 0.5]
 * @param trainSize problems in an epoch of training, at least 1
 * @param testSize held-out problems, at least 1
 */
public record ArithmeticTaskConfig(
        List<Operation> operations,
        int minDigits,
        int maxDigits,
        int minOperands,
        int maxOperands,
        boolean allowNegative,
        double testShare,
        int trainSize,
        int testSize) {

    /** Most digits of an operand. */
    public static final int MAX_DIGITS = 9;

    /** Most operands of a problem. */
    public static final int MAX_OPERANDS = 8;

    public ArithmeticTaskConfig {
        operations = List.copyOf(operations);
        if (operations.isEmpty()) {
            throw new FieldException("operations", "needs at least one of +, -, *");
        }
        if (operations.stream().distinct().count() != operations.size()) {
            throw new FieldException("operations", "lists an operation twice: " + operations);
        }
        inRange("min-digits", minDigits, 1, MAX_DIGITS);
        inRange("max-digits", maxDigits, minDigits, MAX_DIGITS);
        inRange("min-operands", minOperands, 2, MAX_OPERANDS);
        inRange("max-operands", maxOperands, minOperands, MAX_OPERANDS);
        // All operand digits together bound any product: below 10^18, inside a long.
        if (operations.contains(Operation.TIMES) && maxDigits * maxOperands > 18) {
            throw new FieldException(
                    "max-digits",
                    "with \"*\", max-digits x max-operands must be at most 18 (the answer must"
                            + " fit in 64 bits): "
                            + maxDigits
                            + " x "
                            + maxOperands);
        }
        if (!(testShare > 0 && testShare <= 0.5)) {
            throw new FieldException("test-share", testShare + " is outside (0, 0.5]");
        }
        inRange("train-size", trainSize, 1, Integer.MAX_VALUE);
        inRange("test-size", testSize, 1, Integer.MAX_VALUE);
    }

    private static void inRange(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new FieldException(field, value + " is outside [" + min + ", " + max + "]");
        }
    }
}
