package dev.troupe.coordinator.data;

/**
 * A text template that cannot be used, e.g. one with an unknown placeholder; names the config key
 * the template came from.
 */
public final class TemplateException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String problem;

    public TemplateException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
        this.problem = problem;
    }

    /** The config key of the template, e.g. {@code troupe.data.prompt.template}. */
    public String key() {
        return key;
    }

    /** What is wrong, without the key. */
    public String problem() {
        return problem;
    }
}
