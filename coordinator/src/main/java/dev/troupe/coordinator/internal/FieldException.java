package dev.troupe.coordinator.internal;

/**
 * A config record's field that breaks a rule. {@link #field()} is the key relative to the record's
 * config section ({@code max-digits}), so the config reader can point at the exact key and where it
 * was set.
 */
public final class FieldException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String problem;

    public FieldException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
        this.problem = problem;
    }

    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }
}
