package dev.troupe.coordinator.data;

import java.nio.file.Path;

/**
 * A dataset line that was skipped, and why.
 *
 * @param file the file it is in
 * @param lineNumber 1-based
 * @param problem what is wrong, e.g. {@code missing field "answer"}
 */
public record BadLine(Path file, long lineNumber, String problem) {

    /** {@code file:line: problem}, the form compilers use, so editors can jump to it. */
    @Override
    public String toString() {
        return file + ":" + lineNumber + ": " + problem;
    }
}
