package dev.troupe.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong nanos = new AtomicLong();

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static StepMetrics full(long step) {
        return StepMetrics.builder(step)
                .put(MetricNames.REWARD_MEAN, 4.5123)
                .put(MetricNames.ACCURACY, 0.375)
                .put(MetricNames.FORMAT_RATE, 0.9)
                .put(MetricNames.ROLLOUT_TOKENS_PER_S, 1234.4)
                .put(MetricNames.KL, 0.01)
                .build();
    }

    @Test
    void shouldRenderStepRewardAccuracyFormatTokensAndEta() {
        assertEquals(
                "step 120/300 | reward 4.512 | acc 37.5% | fmt 90.0% | 1234 tok/s | ETA 3m12s",
                ProgressLine.render(full(120), 300, OptionalDouble.of(192)));
    }

    @Test
    void shouldLeaveOutWhatTheStepDoesNotHave() {
        assertEquals(
                "step 1/10 | acc 50.0%",
                ProgressLine.render(
                        StepMetrics.builder(1).put(MetricNames.ACCURACY, 0.5).build(),
                        10,
                        OptionalDouble.empty()));
    }

    @Test
    void shouldFormatDurations() {
        assertEquals("0s", ProgressLine.duration(0.2));
        assertEquals("59s", ProgressLine.duration(59));
        assertEquals("1m00s", ProgressLine.duration(60));
        assertEquals("2h05m", ProgressLine.duration(2 * 3600 + 5 * 60 + 30));
        assertEquals("?", ProgressLine.duration(Double.NaN));
        assertEquals("?", ProgressLine.duration(Double.POSITIVE_INFINITY));
    }

    @Test
    void shouldRedrawOneLineWithACarriageReturnOnATerminal() {
        ProgressLine line = new ProgressLine(out, ProgressMode.LINE, 10, 1, nanos::get);
        nanos.set(2_000_000_000L);
        line.update(full(1));
        nanos.set(4_000_000_000L);
        line.update(StepMetrics.builder(2).build());
        line.finish();

        String first = "step 1/10 | reward 4.512 | acc 37.5% | fmt 90.0% | 1234 tok/s | ETA 18s";
        String second = "step 2/10 | ETA 16s";
        assertEquals(
                "\r" + first + "\r" + second + " ".repeat(first.length() - second.length()) + "\n",
                printed().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void shouldPrintPlainLinesWithoutControlCharactersForLogs() {
        ProgressLine line = new ProgressLine(out, ProgressMode.PLAIN, 10, 6, nanos::get);
        nanos.set(3_000_000_000L);
        line.update(full(6));
        line.update(full(7));
        line.finish();

        String[] lines = printed().split(System.lineSeparator());
        assertEquals(2, lines.length);
        assertTrue(lines[0].startsWith("step 6/10 | reward"), lines[0]);
        assertTrue(lines[0].endsWith("ETA 12s"), lines[0]);
        String text = printed().replace(System.lineSeparator(), "");
        assertTrue(text.chars().allMatch(c -> c >= 0x20), "a control character in " + text);
    }

    @Test
    void shouldPrintNothingWhenOffAndTakeAutoAsPlainOnAGivenStream() {
        new ProgressLine(out, ProgressMode.OFF, 10, 1, nanos::get).update(full(1));
        assertEquals("", printed());
        assertEquals(
                ProgressMode.PLAIN,
                new ProgressLine(out, ProgressMode.AUTO, 10, 1, nanos::get).mode());
    }
}
