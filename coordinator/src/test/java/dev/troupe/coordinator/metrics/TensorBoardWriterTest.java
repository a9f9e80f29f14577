package dev.troupe.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.proto.v1.TensorBoardEvent;
import dev.troupe.proto.v1.TensorBoardSessionLog;
import dev.troupe.proto.v1.TensorBoardSummary;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorBoardWriterTest {
    @TempDir Path dir;

    /**
     * Decodes an event file on its own terms, without the writer's framing code: each record is a
     * little-endian uint64 length, its masked CRC32C, the data and the data's masked CRC32C; the
     * data is parsed by protobuf's generated parser.
     */
    static List<TensorBoardEvent> decode(Path file) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<TensorBoardEvent> events = new ArrayList<>();
        while (in.hasRemaining()) {
            byte[] lengthBytes = new byte[8];
            in.get(lengthBytes);
            long length = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(maskedCrc(lengthBytes), in.getInt(), "length CRC");
            byte[] data = new byte[(int) length];
            in.get(data);
            assertEquals(maskedCrc(data), in.getInt(), "data CRC");
            events.add(TensorBoardEvent.parseFrom(data));
        }
        return events;
    }

    /** TensorFlow's masked CRC32C (crc32c.h): rotate right by 15, add 0xa282ead8. */
    static int maskedCrc(byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        int c = (int) crc.getValue();
        return Integer.rotateRight(c, 15) + 0xa282ead8;
    }

    static StepMetrics step(long step) {
        return StepMetrics.builder(step)
                .wallTimeSeconds(1_700_000_000.5 + step)
                .put(MetricNames.REWARD_MEAN, step * 0.5)
                .put(MetricNames.ACCURACY, 0.375)
                .build();
    }

    private static TensorBoardSummary.Value value(String tag, float v) {
        return TensorBoardSummary.Value.newBuilder().setTag(tag).setSimpleValue(v).build();
    }

    @Test
    void shouldWriteTheFileVersionFirstThenOneScalarEventPerStep() throws IOException {
        Path file;
        try (TensorBoardWriter w =
                TensorBoardWriter.open(dir, 1_700_000_000.25, "node-1", OptionalLong.empty())) {
            file = w.file();
            w.write(step(1));
            w.write(step(2));
        }
        assertEquals("events.out.tfevents.1700000000.node-1", file.getFileName().toString());

        List<TensorBoardEvent> events = decode(file);

        assertEquals(3, events.size());
        assertEquals(
                TensorBoardEvent.newBuilder()
                        .setWallTime(1_700_000_000.25)
                        .setFileVersion("brain.Event:2")
                        .build(),
                events.get(0));
        assertEquals(
                TensorBoardEvent.newBuilder()
                        .setWallTime(1_700_000_002.5)
                        .setStep(2)
                        .setSummary(
                                TensorBoardSummary.newBuilder()
                                        .addValue(value("reward_mean", 1.0f))
                                        .addValue(value("accuracy", 0.375f)))
                        .build(),
                events.get(2));
    }

    @Test
    void shouldGiveASecondFileOfTheSameSecondANameThatSortsAfter() throws IOException {
        try (TensorBoardWriter a = TensorBoardWriter.open(dir, 5, "h", OptionalLong.empty());
                TensorBoardWriter b = TensorBoardWriter.open(dir, 5, "h", OptionalLong.empty())) {
            assertEquals("events.out.tfevents.5.h", a.file().getFileName().toString());
            assertEquals("events.out.tfevents.5.h.1", b.file().getFileName().toString());
            assertEquals(List.of(a.file(), b.file()), TensorBoardWriter.eventFiles(dir));
        }
    }

    @Test
    void shouldBeReadByAStandardLibraryPythonReader() throws Exception {
        assumeTrue(python3Works(), "needs python3 on the PATH");
        Path file;
        try (TensorBoardWriter w = TensorBoardWriter.open(dir, 100.5, "h", OptionalLong.of(6))) {
            file = w.file();
            w.write(step(7));
        }
        Path script = dir.resolve("read_tfevents.py");
        try (InputStream in = getClass().getResourceAsStream("read_tfevents.py")) {
            Files.copy(in, script);
        }
        Process p =
                new ProcessBuilder("python3", script.toString(), file.toString())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);

        JsonNode events = new ObjectMapper().readTree(out);
        assertEquals(3, events.size(), out);
        assertEquals("brain.Event:2", events.get(0).get("file_version").asText());
        assertEquals(100.5, events.get(0).get("wall_time").asDouble());
        assertEquals(7, events.get(1).get("step").asLong());
        assertEquals(1, events.get(1).get("session_status").asInt(), "SessionLog START");
        assertEquals(7, events.get(2).get("step").asLong());
        assertEquals(1_700_000_007.5, events.get(2).get("wall_time").asDouble());
        assertEquals(3.5, events.get(2).get("summary").get("reward_mean").asDouble());
        assertEquals(0.375, events.get(2).get("summary").get("accuracy").asDouble());
    }

    private static boolean python3Works() {
        try {
            Process p =
                    new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void shouldCutEventsAfterTheCheckpointOnResumeAndMarkTheRestart() throws IOException {
        Path first;
        try (TensorBoardWriter w = TensorBoardWriter.open(dir, 10, "h", OptionalLong.empty())) {
            first = w.file();
            for (long s = 1; s <= 8; s++) {
                w.write(step(s));
            }
        }
        // A crash cut the last record short.
        byte[] whole = Files.readAllBytes(first);
        Files.write(first, java.util.Arrays.copyOf(whole, whole.length - 5));

        Path second;
        try (TensorBoardWriter w = TensorBoardWriter.resume(dir, 5)) {
            second = w.file();
            for (long s = 6; s <= 10; s++) {
                w.write(step(s));
            }
        }

        List<TensorBoardEvent> before = decode(first);
        assertEquals(
                List.of(0L, 1L, 2L, 3L, 4L, 5L),
                before.stream().map(TensorBoardEvent::getStep).toList());
        List<TensorBoardEvent> after = decode(second);
        assertEquals("brain.Event:2", after.get(0).getFileVersion());
        assertEquals(6, after.get(1).getStep());
        assertEquals(
                TensorBoardSessionLog.SessionStatus.SESSION_STATUS_START,
                after.get(1).getSessionLog().getStatus());
        assertEquals(
                List.of(6L, 7L, 8L, 9L, 10L),
                after.subList(2, after.size()).stream().map(TensorBoardEvent::getStep).toList());
        assertTrue(second.getFileName().toString().compareTo(first.getFileName().toString()) > 0);
    }

    @Test
    void shouldKeepAHealthyFileWholeWhenNothingComesAfterTheCheckpoint() throws IOException {
        Path file;
        try (TensorBoardWriter w = TensorBoardWriter.open(dir, 10, "h", OptionalLong.empty())) {
            file = w.file();
            w.write(step(1));
            w.write(step(2));
        }
        byte[] whole = Files.readAllBytes(file);
        TensorBoardWriter.resume(dir, 2).close();
        assertArrayEquals(whole, Files.readAllBytes(file));
    }

    @Test
    void shouldRefuseADirectoryHoldingAnotherRunsEvents() throws IOException {
        Files.write(
                dir.resolve("events.out.tfevents.1.other"), new byte[0], StandardOpenOption.CREATE);
        assertThrows(FileAlreadyExistsException.class, () -> TensorBoardWriter.create(dir));
    }
}
