package dev.troupe.coordinator.metrics;

import com.typesafe.config.Config;
import dev.troupe.runconfig.ConfigValues;
import java.util.Objects;

/**
 * The keys under {@code troupe.metrics}, documented in the module's {@code reference.conf}.
 *
 * @param tensorboard whether to write TensorBoard event files beside {@code metrics.jsonl}
 * @param progress how progress shows on stdout
 */
public record MetricsConfig(boolean tensorboard, ProgressMode progress) {
    /** The config section. */
    public static final String SECTION = "troupe.metrics";

    public MetricsConfig {
        Objects.requireNonNull(progress, "progress");
    }

    /** Reads {@code troupe.metrics}; a bad or unknown key fails naming it. */
    public static MetricsConfig from(Config root) {
        ConfigValues.rejectUnknownKeys(root, SECTION);
        return new MetricsConfig(
                root.getBoolean(SECTION + ".tensorboard"),
                ConfigValues.choice(root, SECTION + ".progress", ProgressMode.class));
    }
}
