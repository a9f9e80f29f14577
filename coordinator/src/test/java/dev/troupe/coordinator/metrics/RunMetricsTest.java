package dev.troupe.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunMetricsTest {
    @TempDir Path dir;

    static final MetricsConfig QUIET = new MetricsConfig(true, ProgressMode.OFF);

    @Test
    void shouldGiveAResumedRunTheSameMetricsFileAsAnUninterruptedOne() throws IOException {
        Path whole = dir.resolve("whole");
        try (RunMetrics m = RunMetrics.start(whole, QUIET, 10)) {
            for (long s = 1; s <= 10; s++) {
                m.record(MetricsJsonlWriterTest.step(s));
            }
            m.finish(new RunSummary(1, 2, 0.75, 3, 10));
        }

        Path broken = dir.resolve("broken");
        try (RunMetrics m = RunMetrics.start(broken, QUIET, 10)) {
            for (long s = 1; s <= 7; s++) {
                m.record(MetricsJsonlWriterTest.step(s));
            }
        }
        try (RunMetrics m = RunMetrics.resume(broken, QUIET, 10, 4)) {
            assertEquals(3, m.jsonl().droppedLines());
            for (long s = 5; s <= 10; s++) {
                m.record(MetricsJsonlWriterTest.step(s));
            }
            m.finish(new RunSummary(1, 2, 0.75, 3, 10));
        }

        assertEquals(
                Files.readString(whole.resolve("metrics.jsonl")),
                Files.readString(broken.resolve("metrics.jsonl")));
        assertTrue(Files.exists(broken.resolve("summary.json")));
        List<Long> tensorBoardSteps =
                TensorBoardWriter.eventFiles(broken).stream()
                        .flatMap(f -> decodeQuietly(f).stream())
                        .filter(e -> e.hasSummary())
                        .map(e -> e.getStep())
                        .collect(Collectors.toList());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), tensorBoardSteps);
    }

    private static List<dev.troupe.proto.v1.TensorBoardEvent> decodeQuietly(Path file) {
        try {
            return TensorBoardWriterTest.decode(file);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void shouldWriteNoEventFilesWhenTensorBoardIsOff() throws IOException {
        try (RunMetrics m = RunMetrics.start(dir, new MetricsConfig(false, ProgressMode.OFF), 1)) {
            m.record(MetricsJsonlWriterTest.step(1));
        }
        assertEquals(List.of(), TensorBoardWriter.eventFiles(dir));
    }

    @Test
    void shouldReadTheConfigAndListTheProgressModesOnABadOne() {
        assertEquals(
                new MetricsConfig(true, ProgressMode.AUTO),
                MetricsConfig.from(ConfigFactory.defaultReference()));
        String message =
                assertThrows(
                                ConfigException.class,
                                () ->
                                        MetricsConfig.from(
                                                ConfigFactory.parseString(
                                                                "troupe.metrics.progress = bar")
                                                        .withFallback(
                                                                ConfigFactory.defaultReference())))
                        .getMessage();
        assertTrue(message.contains("troupe.metrics.progress"), message);
        assertTrue(message.contains("'bar' is not one of auto, line, plain, off"), message);
    }
}
