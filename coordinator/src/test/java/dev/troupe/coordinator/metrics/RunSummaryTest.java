package dev.troupe.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunSummaryTest {
    @TempDir Path dir;

    @Test
    void shouldWriteSnakeCaseFieldsInPercentAndReadThemBack() throws IOException {
        Path file = dir.resolve(RunSummary.FILE_NAME);
        RunSummary summary = new RunSummary(3.5, 41.0, 0.97, 312.25, 300);

        summary.write(file);

        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertEquals(
                List.of(
                        "accuracy_before",
                        "accuracy_after",
                        "format_rate_final",
                        "wall_seconds",
                        "steps"),
                iterate(json));
        assertEquals(41.0, json.get("accuracy_after").asDouble());
        assertEquals(300, json.get("steps").asLong());
        assertEquals(summary, RunSummary.read(file));
    }

    private static List<String> iterate(JsonNode json) {
        List<String> names = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void shouldReplaceAnExistingSummaryLeavingNoTemporaryFile() throws IOException {
        Path file = dir.resolve(RunSummary.FILE_NAME);
        Files.writeString(file, "old");

        new RunSummary(0, 100, 1, 0, 0).write(file);

        assertEquals(new RunSummary(0, 100, 1, 0, 0), RunSummary.read(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void shouldGiveTheSummaryTheSamePermissionsAsAnyNewFile() throws IOException {
        Path file = dir.resolve(RunSummary.FILE_NAME);
        new RunSummary(1, 2, 0.5, 3, 4).write(file);
        Path plain = Files.createFile(dir.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(file));
    }

    @Test
    void shouldRefuseValuesOutsideTheirUnits() {
        assertThrows(IllegalArgumentException.class, () -> new RunSummary(0.5, 101, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new RunSummary(0.5, 50, 97, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new RunSummary(Double.NaN, 50, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new RunSummary(1, 50, 1, -1, 0));
    }
}
