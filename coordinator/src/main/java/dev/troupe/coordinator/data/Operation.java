package dev.troupe.coordinator.data;

import java.util.Optional;

/** An arithmetic operation of generated problems, written in config by its symbol. */
public enum Operation {
    PLUS("+"),
    MINUS("-"),
    TIMES("*");

    private final String symbol;

    Operation(String symbol) {
        this.symbol = symbol;
    }

    /** {@code "+"}, {@code "-"} or {@code "*"}. */
    public String symbol() {
        return symbol;
    }

    /** {@code left op right}; fails on overflow (config bounds keep results far below it). */
    public long apply(long left, long right) {
        switch (this) {
            case PLUS:
                return Math.addExact(left, right);
            case MINUS:
                return Math.subtractExact(left, right);
            case TIMES:
                return Math.multiplyExact(left, right);
            default:
                throw new AssertionError(this);
        }
    }

    /** The operation written {@code symbol}, if any. */
    public static Optional<Operation> fromSymbol(String symbol) {
        for (Operation op : values()) {
            if (op.symbol.equals(symbol)) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }
}
