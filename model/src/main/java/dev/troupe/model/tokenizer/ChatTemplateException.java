package dev.troupe.model.tokenizer;

/**
 * A chat template that cannot be compiled or rendered: a syntax error, an unknown filter, a
 * template that called {@code raise_exception}, or a feature our engine does not support. The
 * message names the template's source (for a checkpoint, the file it came from) and the problem;
 * for {@code raise_exception} the problem is the template's own message.
 */
public final class ChatTemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String sourceName;
    private final String problem;

    public ChatTemplateException(String sourceName, String problem) {
        super(sourceName + ": " + problem);
        this.sourceName = sourceName;
        this.problem = problem;
    }

    public ChatTemplateException(String sourceName, String problem, Throwable cause) {
        super(sourceName + ": " + problem, cause);
        this.sourceName = sourceName;
        this.problem = problem;
    }

    /** Where the template came from, e.g. the path of a {@code tokenizer_config.json}. */
    public String sourceName() {
        return sourceName;
    }

    /** What is wrong, without the source; for {@code raise_exception}, the template's message. */
    public String problem() {
        return problem;
    }
}
