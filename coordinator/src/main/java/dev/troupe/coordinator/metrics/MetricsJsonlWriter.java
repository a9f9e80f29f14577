package dev.troupe.coordinator.metrics;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.coordinator.internal.Utf8Lines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Appends one JSON object per step to {@code DIR/metrics.jsonl}:
 *
 * <pre>{@code
 * {"step":12,"wall_time":1767225600.25,"reward_mean":4.5,"accuracy":0.375,"format_rate":0.9,...}
 * }</pre>
 *
 * {@code step} first, then {@code wall_time} (seconds since the Unix epoch), then the metrics in
 * the order they were put. NaN and infinities are written as {@code null}, so every line is strict
 * JSON.
 *
 * <p>Each line reaches the disk before {@link #write} returns (written and forced), so a crash
 * loses at most the line being written. Steps only go up: writing a step at or below the last one
 * fails, so no step appears twice.
 *
 * <p><b>Resume.</b> {@link #resume(Path, long)} keeps the lines up to the checkpoint's step and
 * cuts the rest: the lines of steps after the checkpoint, which the resumed run writes again, and a
 * last line a crash cut short. Cutting stops at the first line that is not a metrics object, so
 * nothing after a damaged line survives either; {@link #droppedLines()} says how many went.
 */
public final class MetricsJsonlWriter implements AutoCloseable {
    /** The file's name in a run directory. */
    public static final String FILE_NAME = "metrics.jsonl";

    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper READER = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final long droppedLines;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(512);
    private long lastStep;

    private MetricsJsonlWriter(Path file, FileChannel channel, long lastStep, long droppedLines) {
        this.file = file;
        this.channel = channel;
        this.lastStep = lastStep;
        this.droppedLines = droppedLines;
    }

    /**
     * Starts the file of a new run.
     *
     * @throws FileAlreadyExistsException if the file exists and is not empty: a new run does not
     *     overwrite another run's metrics (resume it, or use another directory)
     */
    public static MetricsJsonlWriter create(Path file) throws IOException {
        if (Files.exists(file) && Files.size(file) > 0) {
            throw new FileAlreadyExistsException(
                    file.toString(),
                    null,
                    "holds another run's metrics; resume that run or choose another directory");
        }
        FileChannel channel =
                FileChannel.open(
                        file,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
        return new MetricsJsonlWriter(file, channel, -1, 0);
    }

    /**
     * Reopens the file of a resumed run, keeping the lines of steps up to {@code lastStep} (the
     * checkpoint's step) and cutting the rest; creates the file if it is missing.
     */
    public static MetricsJsonlWriter resume(Path file, long lastStep) throws IOException {
        FileChannel channel =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            long keepBytes = 0;
            long keptStep = -1;
            long lines = 0;
            long keptLines = 0;
            try (InputStream in = Files.newInputStream(file)) {
                Utf8Lines reader = new Utf8Lines(in);
                Utf8Lines.Line l;
                boolean cutting = false;
                while ((l = reader.next()) != null) {
                    lines++;
                    if (cutting) {
                        continue;
                    }
                    long step = l.terminated() ? stepOf(l.text()) : -1;
                    if (step < 0 || step > lastStep || step <= keptStep) {
                        cutting = true;
                        continue;
                    }
                    keptStep = step;
                    keepBytes = l.endBytes();
                    keptLines++;
                }
            }
            channel.truncate(keepBytes);
            channel.position(keepBytes);
            channel.force(true);
            return new MetricsJsonlWriter(file, channel, keptStep, lines - keptLines);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The step of a metrics line, or -1 if it is not one. */
    private static long stepOf(String text) {
        if (text == null) {
            return -1;
        }
        try {
            JsonNode node = READER.readTree(text);
            JsonNode step = node == null ? null : node.get("step");
            return step != null && step.canConvertToExactIntegral() && step.asLong() >= 0
                    ? step.asLong()
                    : -1;
        } catch (JsonProcessingException e) {
            return -1;
        }
    }

    public Path file() {
        return file;
    }

    /** The last step in the file, if any. */
    public OptionalLong lastStep() {
        return lastStep < 0 ? OptionalLong.empty() : OptionalLong.of(lastStep);
    }

    /** Lines {@link #resume} cut (0 for a new file). */
    public long droppedLines() {
        return droppedLines;
    }

    /**
     * Appends {@code metrics} as one line and forces it to disk.
     *
     * @throws IllegalArgumentException if its step is not above the last step written
     */
    public void write(StepMetrics metrics) throws IOException {
        if (metrics.step() <= lastStep) {
            throw new IllegalArgumentException(
                    file
                            + ": step "
                            + metrics.step()
                            + " is not after the last step written, "
                            + lastStep);
        }
        line.reset();
        try (JsonGenerator g = JSON.createGenerator(line, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeNumberField("step", metrics.step());
            // Plain digits (1767225600.25), not Double.toString's 1.76722560025E9.
            double wallTime = metrics.wallTimeSeconds();
            if (Double.isFinite(wallTime)) {
                g.writeFieldName("wall_time");
                g.writeNumber(BigDecimal.valueOf(wallTime).toPlainString());
            } else {
                g.writeNullField("wall_time");
            }
            for (Map.Entry<String, Double> e : metrics.values().entrySet()) {
                writeNumber(g, e.getKey(), e.getValue());
            }
            g.writeEndObject();
        }
        line.write('\n');
        ByteBuffer bytes = ByteBuffer.wrap(line.toByteArray());
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        channel.force(false);
        lastStep = metrics.step();
    }

    private static void writeNumber(JsonGenerator g, String name, double value) throws IOException {
        if (Double.isFinite(value)) {
            g.writeNumberField(name, value);
        } else {
            g.writeNullField(name);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
