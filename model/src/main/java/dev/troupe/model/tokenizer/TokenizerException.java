package dev.troupe.model.tokenizer;

import java.nio.file.Path;

/**
 * A tokenizer file that cannot be used: missing, unreadable, not JSON, or with a key of the wrong
 * type. The message always names the file and what is wrong with it.
 */
public final class TokenizerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public TokenizerException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public TokenizerException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }
}
