package dev.troupe.coordinator.data;

import java.util.ArrayList;
import java.util.List;

/**
 * A generated problem's expression: non-negative integer operands joined by operations, evaluated
 * with the usual precedence ({@code *} before {@code +} and {@code -}, then left to right).
 *
 * <p>Worked example: operands {@code [3, 4, 5, 2]} with operations {@code [+, *, -]} is {@code "3 +
 * 4 * 5 - 2"}; its {@link #steps()} are {@code 4 * 5 = 20}, {@code 3 + 20 = 23}, {@code 23 - 2 =
 * 21}, and its {@link #value()} is 21.
 *
 * @param operands at least two, each 0 or more
 * @param operations one fewer than the operands
 */
public record ArithmeticExpression(List<Long> operands, List<Operation> operations) {

    public ArithmeticExpression {
        operands = List.copyOf(operands);
        operations = List.copyOf(operations);
        if (operands.size() < 2 || operations.size() != operands.size() - 1) {
            throw new IllegalArgumentException(
                    "need n >= 2 operands and n - 1 operations: "
                            + operands.size()
                            + " and "
                            + operations.size());
        }
        if (operands.stream().anyMatch(o -> o < 0)) {
            throw new IllegalArgumentException("operands must be 0 or more: " + operands);
        }
    }

    /**
     * One binary operation of the evaluation.
     *
     * @param left left operand
     * @param operation the operation
     * @param right right operand
     * @param result {@code left operation right}
     */
    public record Step(long left, Operation operation, long right, long result) {
        /** {@code "4 * 5 = 20"}. */
        @Override
        public String toString() {
            return left + " " + operation.symbol() + " " + right + " = " + result;
        }
    }

    /** The canonical text, single spaces around operations: {@code "3 + 4 * 5 - 2"}. */
    public String text() {
        StringBuilder s = new StringBuilder().append(operands.get(0));
        for (int i = 0; i < operations.size(); i++) {
            s.append(' ')
                    .append(operations.get(i).symbol())
                    .append(' ')
                    .append(operands.get(i + 1));
        }
        return s.toString();
    }

    /** The operations in evaluation order: products left to right, then sums left to right. */
    public List<Step> steps() {
        List<Step> steps = new ArrayList<>();
        List<Long> terms = new ArrayList<>();
        List<Operation> termOps = new ArrayList<>();
        terms.add(operands.get(0));
        for (int i = 0; i < operations.size(); i++) {
            Operation op = operations.get(i);
            long right = operands.get(i + 1);
            if (op == Operation.TIMES) {
                long left = terms.get(terms.size() - 1);
                long product = op.apply(left, right);
                steps.add(new Step(left, op, right, product));
                terms.set(terms.size() - 1, product);
            } else {
                termOps.add(op);
                terms.add(right);
            }
        }
        long acc = terms.get(0);
        for (int i = 0; i < termOps.size(); i++) {
            long result = termOps.get(i).apply(acc, terms.get(i + 1));
            steps.add(new Step(acc, termOps.get(i), terms.get(i + 1), result));
            acc = result;
        }
        return steps;
    }

    /** The value. */
    public long value() {
        List<Step> steps = steps();
        return steps.get(steps.size() - 1).result();
    }
}
