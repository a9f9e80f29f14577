package dev.troupe.model.config;

import java.nio.file.Path;

/**
 * A model configuration that cannot be used; the message names the file, the key and the problem.
 */
public final class ModelConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ModelConfigException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public ModelConfigException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
