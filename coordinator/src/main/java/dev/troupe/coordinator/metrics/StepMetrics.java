package dev.troupe.coordinator.metrics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * The metrics of one training step: named values (snake_case, see {@link MetricNames}) in the order
 * they were put, with the step number and wall-clock time. A value may be NaN (a KL that blew up,
 * say); {@code metrics.jsonl} writes NaN and infinities as {@code null}.
 *
 * @param step the step number, 0 or more
 * @param wallTimeSeconds when the step finished, seconds since the Unix epoch
 * @param values the metrics by name
 */
public record StepMetrics(long step, double wallTimeSeconds, Map<String, Double> values) {

    public StepMetrics {
        if (step < 0) {
            throw new IllegalArgumentException("step must be 0 or more: " + step);
        }
        Map<String, Double> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : values.entrySet()) {
            copy.put(
                    MetricNames.requireSnakeCase(e.getKey()),
                    Objects.requireNonNull(e.getValue(), e.getKey()));
        }
        values = Collections.unmodifiableMap(copy);
    }

    /** The value of {@code name}, if this step has it. */
    public OptionalDouble get(String name) {
        Double value = values.get(name);
        return value == null ? OptionalDouble.empty() : OptionalDouble.of(value);
    }

    /** A builder for step {@code step}, stamped with the current time unless told otherwise. */
    public static Builder builder(long step) {
        return new Builder(step);
    }

    /** Collects a step's values. */
    public static final class Builder {
        private final long step;
        private double wallTimeSeconds = System.currentTimeMillis() / 1000.0;
        private final Map<String, Double> values = new LinkedHashMap<>();

        private Builder(long step) {
            this.step = step;
        }

        public Builder wallTimeSeconds(double seconds) {
            this.wallTimeSeconds = seconds;
            return this;
        }

        /** Sets {@code name}; a name put twice keeps its first position and the last value. */
        public Builder put(String name, double value) {
            values.put(MetricNames.requireSnakeCase(name), value);
            return this;
        }

        /**
         * Puts {@code <prefix>_mean} and {@code <prefix>_std} of {@code samples}, the standard
         * deviation being the population one (divide by n): {@code [1, 3]} gives mean 2 and std 1.
         * Nothing is put for no samples.
         */
        public Builder putMeanStd(String prefix, double[] samples) {
            if (samples.length == 0) {
                return this;
            }
            double sum = 0;
            for (double x : samples) {
                sum += x;
            }
            double mean = sum / samples.length;
            double squares = 0;
            for (double x : samples) {
                squares += (x - mean) * (x - mean);
            }
            put(prefix + "_mean", mean);
            put(prefix + "_std", Math.sqrt(squares / samples.length));
            return this;
        }

        public StepMetrics build() {
            return new StepMetrics(step, wallTimeSeconds, values);
        }
    }
}
