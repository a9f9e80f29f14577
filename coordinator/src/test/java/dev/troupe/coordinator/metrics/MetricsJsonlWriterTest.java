package dev.troupe.coordinator.metrics;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsJsonlWriterTest {
    @TempDir Path dir;

    /** A step's metrics as a deterministic run would give them. */
    static StepMetrics step(long step) {
        return StepMetrics.builder(step)
                .wallTimeSeconds(1_700_000_000 + step)
                .put(MetricNames.REWARD_MEAN, step * 0.5)
                .put(MetricNames.ACCURACY, step / 16.0)
                .put(MetricNames.FORMAT_RATE, 0.75)
                .build();
    }

    private Path file() {
        return dir.resolve(MetricsJsonlWriter.FILE_NAME);
    }

    private void writeSteps(MetricsJsonlWriter writer, long from, long to) throws IOException {
        for (long s = from; s <= to; s++) {
            writer.write(step(s));
        }
    }

    @Test
    void shouldWriteOneObjectPerStepWithSnakeCaseFieldsAndNullForNan() throws IOException {
        try (MetricsJsonlWriter w = MetricsJsonlWriter.create(file())) {
            w.write(step(1));
            w.write(
                    StepMetrics.builder(2)
                            .wallTimeSeconds(1.5)
                            .put(MetricNames.KL, Double.NaN)
                            .put(MetricNames.GRAD_NORM, Double.POSITIVE_INFINITY)
                            .build());
            // Each line is on disk before write returns, not when the writer closes.
            assertEquals(2, Files.readAllLines(file()).size());
        }
        assertEquals(
                List.of(
                        "{\"step\":1,\"wall_time\":1700000001,\"reward_mean\":0.5,"
                                + "\"accuracy\":0.0625,\"format_rate\":0.75}",
                        "{\"step\":2,\"wall_time\":1.5,\"kl\":null,\"grad_norm\":null}"),
                Files.readAllLines(file(), UTF_8));
    }

    @Test
    void shouldRefuseAStepThatIsNotAfterTheLast() throws IOException {
        try (MetricsJsonlWriter w = MetricsJsonlWriter.create(file())) {
            w.write(step(5));
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> w.write(step(5)));
            assertTrue(e.getMessage().contains("step 5 is not after the last step written, 5"));
        }
    }

    @Test
    void shouldRefuseToOverwriteAnotherRunsMetrics() throws IOException {
        Files.writeString(file(), "{\"step\":1}\n");
        assertThrows(FileAlreadyExistsException.class, () -> MetricsJsonlWriter.create(file()));
    }

    @Test
    void shouldCutTheStepsAfterTheCheckpointOnResumeSoTheFileMatchesAnUninterruptedRun()
            throws IOException {
        Path uninterrupted = dir.resolve("uninterrupted.jsonl");
        try (MetricsJsonlWriter w = MetricsJsonlWriter.create(uninterrupted)) {
            writeSteps(w, 1, 10);
        }
        // The run got to step 8, then died; its last checkpoint is step 5.
        try (MetricsJsonlWriter w = MetricsJsonlWriter.create(file())) {
            writeSteps(w, 1, 8);
        }

        try (MetricsJsonlWriter w = MetricsJsonlWriter.resume(file(), 5)) {
            assertEquals(OptionalLong.of(5), w.lastStep());
            assertEquals(3, w.droppedLines());
            writeSteps(w, 6, 10);
        }

        assertEquals(Files.readString(uninterrupted), Files.readString(file()));
    }

    @Test
    void shouldCutALastLineThatACrashLeftUnfinished() throws IOException {
        try (MetricsJsonlWriter w = MetricsJsonlWriter.create(file())) {
            writeSteps(w, 1, 3);
        }
        Files.writeString(file(), "{\"step\":4,\"rew", StandardOpenOption.APPEND);

        try (MetricsJsonlWriter w = MetricsJsonlWriter.resume(file(), 10)) {
            assertEquals(OptionalLong.of(3), w.lastStep());
            assertEquals(1, w.droppedLines());
            w.write(step(4));
        }
        List<String> lines = Files.readAllLines(file());
        assertEquals(4, lines.size());
        assertTrue(lines.get(3).startsWith("{\"step\":4,\"wall_time\""), lines.get(3));
    }

    @Test
    void shouldCutEverythingFromADamagedLineOn() throws IOException {
        Files.writeString(
                file(), "{\"step\":1}\n{\"step\":2}\ngarbage\n{\"step\":3}\n{\"step\":2}\n");
        try (MetricsJsonlWriter w = MetricsJsonlWriter.resume(file(), 10)) {
            assertEquals(OptionalLong.of(2), w.lastStep());
            assertEquals(3, w.droppedLines());
        }
        assertEquals("{\"step\":1}\n{\"step\":2}\n", Files.readString(file()));
    }

    @Test
    void shouldStartAnEmptyFileWhenResumingWithoutOne() throws IOException {
        try (MetricsJsonlWriter w = MetricsJsonlWriter.resume(file(), 7)) {
            assertEquals(OptionalLong.empty(), w.lastStep());
            w.write(step(8));
        }
        assertEquals(1, Files.readAllLines(file()).size());
    }
}
