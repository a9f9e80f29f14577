package dev.troupe.model.settings;

import com.typesafe.config.Config;
import dev.troupe.model.lora.LoraConfig;
import dev.troupe.runconfig.ConfigValues;
import java.util.List;

/**
 * The LoRA adapter a run trains ({@code troupe.lora}).
 *
 * @param config rank, alpha, dropout and targets in PEFT's terms
 * @param seed seed of the A matrices' initialisation
 */
public record LoraSettings(LoraConfig config, long seed) {

    public static final String SECTION = "troupe.lora";

    /** Reads and checks {@code troupe.lora}; fails naming the key on a bad value. */
    public static LoraSettings from(Config root) {
        ConfigValues.rejectUnknownKeys(root, SECTION);
        int rank = ConfigValues.intIn(root, SECTION + ".rank", 1, 4096);
        double alpha = ConfigValues.doubleIn(root, SECTION + ".alpha", 1e-6, 1e6);
        double dropout = ConfigValues.doubleIn(root, SECTION + ".dropout", 0, 0.999);
        List<String> targets = root.getStringList(SECTION + ".target-modules");
        if (targets.isEmpty()) {
            throw ConfigValues.badValue(
                    root, SECTION + ".target-modules", "needs at least one module name");
        }
        LoraConfig config;
        try {
            config = LoraConfig.of(rank, alpha, targets);
        } catch (IllegalArgumentException e) {
            throw ConfigValues.badValue(root, SECTION + ".target-modules", e.getMessage());
        }
        return new LoraSettings(config.withDropout(dropout), root.getLong(SECTION + ".seed"));
    }
}
