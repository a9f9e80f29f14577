package dev.troupe.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.coordinator.metrics.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run stopped after a checkpoint and resumed gives the same metrics for the following steps as
 * one that never stopped (CPU, same seed).
 */
class ResumeTest {
    @TempDir Path tmp;

    /** The step's metrics without wall-clock figures, which differ between any two runs. */
    static List<JsonNode> deterministic(Path metrics) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode n : EmbeddedRunTest.lines(metrics)) {
            ObjectNode o = (ObjectNode) n.deepCopy();
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (f.equals("wall_time") || f.contains("seconds") || f.endsWith("_per_s")) {
                    o.remove(f);
                }
            }
            out.add(o);
        }
        return out;
    }

    static Coordinator.Outcome run(RunConfig c, Path out, boolean resume, Long stopAfter) {
        return RunJob.run(
                c,
                new RunJob.Request(
                        Coordinator.Mode.RUN,
                        out,
                        resume,
                        stopAfter == null ? OptionalLong.empty() : OptionalLong.of(stopAfter),
                        Optional.empty()));
    }

    @Test
    void resumedRunMatchesUninterruptedOne() throws Exception {
        RunConfig config = RunFixtures.shortRun("troupe.checkpoint.every-steps = 2");
        Path whole = tmp.resolve("whole");
        Path parts = tmp.resolve("parts");
        assertTrue(run(config, whole, false, null).finished());

        Coordinator.Outcome stopped = run(config, parts, false, 2L);
        assertFalse(stopped.finished());
        assertTrue(stopped.message().contains("--resume"), stopped.message());
        assertEquals(2, EmbeddedRunTest.lines(parts.resolve("metrics.jsonl")).size());
        assertFalse(Files.exists(parts.resolve(RunSummary.FILE_NAME)));

        assertTrue(run(config, parts, true, null).finished());
        List<JsonNode> a = deterministic(whole.resolve("metrics.jsonl"));
        List<JsonNode> b = deterministic(parts.resolve("metrics.jsonl"));
        assertEquals(4, b.size());
        assertEquals(a, b);
        RunSummary sa = RunSummary.read(whole.resolve(RunSummary.FILE_NAME));
        RunSummary sb = RunSummary.read(parts.resolve(RunSummary.FILE_NAME));
        assertEquals(sa.accuracyBefore(), sb.accuracyBefore());
        assertEquals(sa.accuracyAfter(), sb.accuracyAfter());
        assertEquals(sa.formatRateFinal(), sb.formatRateFinal());
    }
}
