package dev.troupe.coordinator.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The examples read from a JSONL file, and the lines that were skipped.
 *
 * <p>A bad line does not fail the load: it is counted in {@link #skippedLines()} and, for the first
 * {@value #MAX_KEPT_BAD_LINES}, kept with its line number and problem in {@link #badLines()} for
 * the run's report.
 *
 * @param file the file read
 * @param examples the good lines' examples, in file order
 * @param badLines the first skipped lines, in file order
 * @param skippedLines how many lines were skipped in all
 * @param <T> the example type
 */
public record JsonlDataset<T>(
        Path file, List<T> examples, List<BadLine> badLines, long skippedLines)
        implements Dataset<T> {

    /** Bad lines kept with their reason; more are only counted. */
    public static final int MAX_KEPT_BAD_LINES = 1000;

    public JsonlDataset {
        Objects.requireNonNull(file, "file");
        examples = List.copyOf(examples);
        badLines = List.copyOf(badLines);
        if (examples.isEmpty()) {
            throw new IllegalArgumentException(file + ": no examples");
        }
        if (skippedLines < badLines.size()) {
            throw new IllegalArgumentException("skippedLines < badLines.size()");
        }
    }

    @Override
    public int size() {
        return examples.size();
    }

    @Override
    public T get(int index) {
        return examples.get(index);
    }

    /** One line for a log: {@code path: 7473 examples, 2 lines skipped (first: path:3: ...)}. */
    public String summary() {
        StringBuilder s =
                new StringBuilder()
                        .append(file)
                        .append(": ")
                        .append(examples.size())
                        .append(" examples, ")
                        .append(skippedLines)
                        .append(skippedLines == 1 ? " line skipped" : " lines skipped");
        if (!badLines.isEmpty()) {
            s.append(" (first: ").append(badLines.get(0)).append(')');
        }
        return s.toString();
    }
}
