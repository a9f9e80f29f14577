package dev.troupe.coordinator.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * What a finished run reports in {@code DIR/summary.json}:
 *
 * <pre>{@code
 * {
 *   "accuracy_before" : 3.5,
 *   "accuracy_after" : 41.0,
 *   "format_rate_final" : 0.97,
 *   "wall_seconds" : 312.4,
 *   "steps" : 300
 * }
 * }</pre>
 *
 * @param accuracyBefore held-out accuracy before training, in percent [0, 100]
 * @param accuracyAfter held-out accuracy after training, in percent [0, 100]
 * @param formatRateFinal format rate of the last step, a fraction in [0, 1] as in {@code
 *     metrics.jsonl}
 * @param wallSeconds wall time of the run, seconds
 * @param steps training steps done
 */
public record RunSummary(
        double accuracyBefore,
        double accuracyAfter,
        double formatRateFinal,
        double wallSeconds,
        long steps) {

    /** The file's name in a run directory. */
    public static final String FILE_NAME = "summary.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    public RunSummary {
        requireIn("accuracy_before", accuracyBefore, 0, 100);
        requireIn("accuracy_after", accuracyAfter, 0, 100);
        requireIn("format_rate_final", formatRateFinal, 0, 1);
        requireIn("wall_seconds", wallSeconds, 0, Double.MAX_VALUE);
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be 0 or more: " + steps);
        }
    }

    /**
     * Writes the summary to {@code file} atomically: to a temporary file in the same folder, forced
     * to disk, then renamed over {@code file}, so a reader sees the old file or the whole new one,
     * never a part.
     */
    public void write(Path file) throws IOException {
        ObjectNode node = JSON.createObjectNode();
        node.put("accuracy_before", accuracyBefore);
        node.put("accuracy_after", accuracyAfter);
        node.put("format_rate_final", formatRateFinal);
        node.put("wall_seconds", wallSeconds);
        node.put("steps", steps);
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);

        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // Not Files.createTempFile: its file is private (0600), and the rename would keep that.
        Path temp =
                dir.resolve(
                        file.getFileName()
                                + "."
                                + ProcessHandle.current().pid()
                                + "."
                                + System.nanoTime()
                                + ".tmp");
        try {
            try (FileChannel channel =
                    FileChannel.open(
                            temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(
                        temp,
                        file,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Reads a summary written by {@link #write}. */
    public static RunSummary read(Path file) throws IOException {
        JsonNode node = JSON.readTree(file.toFile());
        return new RunSummary(
                number(node, file, "accuracy_before"),
                number(node, file, "accuracy_after"),
                number(node, file, "format_rate_final"),
                number(node, file, "wall_seconds"),
                (long) number(node, file, "steps"));
    }

    private static double number(JsonNode node, Path file, String field) throws IOException {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || !value.isNumber()) {
            throw new IOException(file + ": field \"" + field + "\" is missing or not a number");
        }
        return value.asDouble();
    }

    private static void requireIn(String field, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(
                    field + " " + value + " is outside [" + min + ", " + max + "]");
        }
    }
}
