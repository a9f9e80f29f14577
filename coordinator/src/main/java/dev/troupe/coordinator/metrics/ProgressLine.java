package dev.troupe.coordinator.metrics;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.function.LongSupplier;

/**
 * The live one-line status of a run:
 *
 * <pre>
 * step 120/300 | reward 4.512 | acc 37.5% | fmt 90.0% | 1234 tok/s | ETA 3m12s
 * </pre>
 *
 * A field shows only if the step has its metric ({@link MetricNames#REWARD_MEAN}, {@link
 * MetricNames#ACCURACY}, {@link MetricNames#FORMAT_RATE}, {@link
 * MetricNames#ROLLOUT_TOKENS_PER_S}); accuracy and format rate show in percent. The ETA is the mean
 * wall time per step since this line was made, times the steps left (steps are numbered 1 to {@code
 * totalSteps}); it shows once a step has finished.
 *
 * <p>On a terminal ({@link ProgressMode#LINE}) the line is redrawn in place: a carriage return, the
 * text, and spaces over what is left of a longer previous line; {@link #finish()} ends it with a
 * newline. Elsewhere ({@link ProgressMode#PLAIN}) each update is its own line with no control
 * characters, so logs stay clean.
 */
public final class ProgressLine {
    private final PrintStream out;
    private final ProgressMode mode;
    private final long totalSteps;
    private final long firstStep;
    private final LongSupplier nanoClock;
    private final long startNanos;
    private int lastLength;
    private boolean lineOpen;

    /**
     * @param out where to print
     * @param mode how; {@link ProgressMode#AUTO} is taken as {@link ProgressMode#PLAIN} (use {@link
     *     #forStdout} to detect a terminal)
     * @param totalSteps the run's last step
     * @param firstStep the first step this process runs (1, or the step after the checkpoint)
     * @param nanoClock a monotonic clock, {@code System::nanoTime}
     */
    public ProgressLine(
            PrintStream out,
            ProgressMode mode,
            long totalSteps,
            long firstStep,
            LongSupplier nanoClock) {
        this.out = Objects.requireNonNull(out, "out");
        this.mode = mode == ProgressMode.AUTO ? ProgressMode.PLAIN : mode;
        this.totalSteps = totalSteps;
        this.firstStep = firstStep;
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
    }

    /**
     * Progress on {@code System.out}; {@link ProgressMode#AUTO} redraws a line only when stdout is
     * a terminal. On Java 17 {@code System.console()} is non-null exactly when stdin and stdout are
     * both a terminal, so a redirected stdout always gets plain lines.
     */
    public static ProgressLine forStdout(ProgressMode mode, long totalSteps, long firstStep) {
        ProgressMode resolved = mode;
        if (mode == ProgressMode.AUTO) {
            resolved = System.console() != null ? ProgressMode.LINE : ProgressMode.PLAIN;
        }
        return new ProgressLine(System.out, resolved, totalSteps, firstStep, System::nanoTime);
    }

    /** The mode in use ({@link ProgressMode#AUTO} resolved). */
    public ProgressMode mode() {
        return mode;
    }

    /** Shows the state after {@code metrics}' step. */
    public void update(StepMetrics metrics) {
        if (mode == ProgressMode.OFF) {
            return;
        }
        long done = metrics.step() - firstStep + 1;
        double elapsedSeconds = (nanoClock.getAsLong() - startNanos) / 1e9;
        OptionalDouble eta =
                done > 0
                        ? OptionalDouble.of(
                                elapsedSeconds / done * Math.max(0, totalSteps - metrics.step()))
                        : OptionalDouble.empty();
        String text = render(metrics, totalSteps, eta);
        if (mode == ProgressMode.LINE) {
            int pad = Math.max(0, lastLength - text.length());
            out.print("\r" + text + " ".repeat(pad));
            lastLength = text.length();
            lineOpen = true;
        } else {
            out.println(text);
        }
        out.flush();
    }

    /** Ends a redrawn line with a newline, so what follows starts on a line of its own. */
    public void finish() {
        if (lineOpen) {
            out.println();
            out.flush();
            lineOpen = false;
        }
    }

    /** The status text of a step, without any control character. */
    public static String render(StepMetrics metrics, long totalSteps, OptionalDouble etaSeconds) {
        StringBuilder s = new StringBuilder();
        s.append("step ").append(metrics.step()).append('/').append(totalSteps);
        metrics.get(MetricNames.REWARD_MEAN)
                .ifPresent(v -> s.append(" | reward ").append(format("%.3f", v)));
        metrics.get(MetricNames.ACCURACY)
                .ifPresent(v -> s.append(" | acc ").append(format("%.1f%%", 100 * v)));
        metrics.get(MetricNames.FORMAT_RATE)
                .ifPresent(v -> s.append(" | fmt ").append(format("%.1f%%", 100 * v)));
        metrics.get(MetricNames.ROLLOUT_TOKENS_PER_S)
                .ifPresent(v -> s.append(" | ").append(format("%.0f", v)).append(" tok/s"));
        etaSeconds.ifPresent(v -> s.append(" | ETA ").append(duration(v)));
        return s.toString();
    }

    /** {@code 45s}, {@code 3m12s}, {@code 2h05m}; {@code ?} for a negative or non-finite time. */
    public static String duration(double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return format("%dm%02ds", s / 60, s % 60);
        }
        return format("%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
