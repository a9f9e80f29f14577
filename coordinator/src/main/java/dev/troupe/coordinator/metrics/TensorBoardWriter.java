package dev.troupe.coordinator.metrics;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.troupe.coordinator.metrics.internal.TfRecords;
import dev.troupe.proto.v1.TensorBoardEvent;
import dev.troupe.proto.v1.TensorBoardSessionLog;
import dev.troupe.proto.v1.TensorBoardSummary;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * Writes per-step scalars as TensorBoard event files, readable by {@code tensorboard --logdir DIR}
 * with no TensorFlow in the run.
 *
 * <p>The file, {@code DIR/events.out.tfevents.<unix seconds>.<host>}, is a sequence of TFRecords
 * ({@link TfRecords}) each holding a {@code tensorboard.Event} protobuf ({@code
 * troupe/v1/tensorboard.proto}, TensorBoard's field numbers): first {@code {wall_time,
 * file_version: "brain.Event:2"}}, then one event per step, {@code {wall_time, step, summary {value
 * {tag: "reward_mean", simple_value: 4.5} value {...}}}}, one value per metric (as float32, the
 * type TensorBoard stores).
 *
 * <p>Why protobuf messages from a {@code .proto} rather than bytes written by hand with {@code
 * CodedOutputStream}: the field numbers then sit in one declarative file that can be compared line
 * by line with TensorBoard's {@code event.proto} and {@code summary.proto}, and the tests decode
 * the files with protobuf's generated parser instead of a second hand-written decoder that would
 * share the writer's mistakes.
 *
 * <p>Each event is forced to disk before {@link #write} returns. <b>Resume:</b> {@link
 * #resume(Path, long)} cuts from the existing event files the records of steps after the checkpoint
 * (and a record a crash cut short), then starts a new file whose second event is a {@code
 * SessionLog START} at the first resumed step: a TensorBoard already showing the run drops the
 * points it holds from that step on, as it does for TensorFlow's own restarts.
 */
public final class TensorBoardWriter implements AutoCloseable {
    /** The first event's {@code file_version}. */
    public static final String FILE_VERSION = "brain.Event:2";

    /** The start of every event file's name. */
    public static final String FILE_PREFIX = "events.out.tfevents.";

    private final Path file;
    private final FileChannel channel;

    private TensorBoardWriter(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * Starts the event file of a new run in {@code dir}.
     *
     * @throws FileAlreadyExistsException if {@code dir} already holds event files (another run's)
     */
    public static TensorBoardWriter create(Path dir) throws IOException {
        List<Path> existing = eventFiles(dir);
        if (!existing.isEmpty()) {
            throw new FileAlreadyExistsException(
                    existing.get(0).toString(),
                    null,
                    "holds another run's TensorBoard events; resume that run or choose another"
                            + " directory");
        }
        return open(dir, System.currentTimeMillis() / 1000.0, hostName(), OptionalLong.empty());
    }

    /**
     * Continues the events of a resumed run in {@code dir}: cuts records of steps after {@code
     * lastStep} from the files there, and starts a new file that begins with a restart at {@code
     * lastStep + 1}.
     */
    public static TensorBoardWriter resume(Path dir, long lastStep) throws IOException {
        for (Path existing : eventFiles(dir)) {
            cutAfter(existing, lastStep);
        }
        return open(
                dir, System.currentTimeMillis() / 1000.0, hostName(), OptionalLong.of(lastStep));
    }

    /** Opens a new file named for {@code nowSeconds} and {@code host}. */
    static TensorBoardWriter open(Path dir, double nowSeconds, String host, OptionalLong resumed)
            throws IOException {
        Files.createDirectories(dir);
        String name = FILE_PREFIX + (long) nowSeconds + "." + host;
        Path file = dir.resolve(name);
        // A second file in the same second (a quick restart) gets a suffix that sorts after.
        for (int n = 1; Files.exists(file); n++) {
            file = dir.resolve(name + "." + n);
        }
        FileChannel channel =
                FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        TensorBoardWriter writer = new TensorBoardWriter(file, channel);
        try {
            writer.append(
                    TensorBoardEvent.newBuilder()
                            .setWallTime(nowSeconds)
                            .setFileVersion(FILE_VERSION)
                            .build());
            if (resumed.isPresent()) {
                writer.append(
                        TensorBoardEvent.newBuilder()
                                .setWallTime(nowSeconds)
                                .setStep(resumed.getAsLong() + 1)
                                .setSessionLog(
                                        TensorBoardSessionLog.newBuilder()
                                                .setStatus(
                                                        TensorBoardSessionLog.SessionStatus
                                                                .SESSION_STATUS_START))
                                .build());
            }
        } catch (IOException | RuntimeException e) {
            writer.close();
            throw e;
        }
        return writer;
    }

    public Path file() {
        return file;
    }

    /** Appends the step's metrics as one event and forces it to disk. */
    public void write(StepMetrics metrics) throws IOException {
        TensorBoardSummary.Builder summary = TensorBoardSummary.newBuilder();
        for (Map.Entry<String, Double> e : metrics.values().entrySet()) {
            summary.addValue(
                    TensorBoardSummary.Value.newBuilder()
                            .setTag(e.getKey())
                            .setSimpleValue(e.getValue().floatValue()));
        }
        append(
                TensorBoardEvent.newBuilder()
                        .setWallTime(metrics.wallTimeSeconds())
                        .setStep(metrics.step())
                        .setSummary(summary)
                        .build());
    }

    private void append(TensorBoardEvent event) throws IOException {
        ByteBuffer record = ByteBuffer.wrap(TfRecords.frame(event.toByteArray()));
        while (record.hasRemaining()) {
            channel.write(record);
        }
        channel.force(false);
    }

    /** The event files in {@code dir}, in name order (TensorBoard's reading order). */
    public static List<Path> eventFiles(Path dir) throws IOException {
        TreeSet<Path> files = new TreeSet<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, FILE_PREFIX + "*")) {
                for (Path p : entries) {
                    if (Files.isRegularFile(p)) {
                        files.add(p);
                    }
                }
            }
        }
        return new ArrayList<>(files);
    }

    /** Cuts {@code file} before its first record of a step after {@code lastStep}. */
    private static void cutAfter(Path file, long lastStep) throws IOException {
        long keepBytes = 0;
        for (TfRecords.Record record : TfRecords.readValidPrefix(file)) {
            Optional<TensorBoardEvent> event = parse(record.data());
            if (event.isEmpty() || event.get().getStep() > lastStep) {
                break;
            }
            keepBytes = record.endBytes();
        }
        if (keepBytes < Files.size(file)) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(keepBytes);
                channel.force(true);
            }
        }
    }

    private static Optional<TensorBoardEvent> parse(byte[] data) {
        try {
            return Optional.of(TensorBoardEvent.parseFrom(data));
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty();
        }
    }

    /** The host part of the file name: letters, digits, '.', '-' and '_' only. */
    static String hostName() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
        }
        return host.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
