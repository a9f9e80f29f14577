package dev.troupe.coordinator.data;

import java.nio.file.Path;

/** A dataset file that cannot be used at all; the message names the file and the problem. */
public final class DatasetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DatasetException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public DatasetException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
