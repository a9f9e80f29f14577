package dev.troupe.reward.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reads and checks config values; every failure is a {@link ConfigException} that names the file,
 * line and key of the bad value.
 */
public final class ConfigValues {

    private ConfigValues() {}

    /** A failure naming where {@code path} was set and what is wrong with it. */
    public static ConfigException.BadValue bad(Config config, String path, String problem) {
        if (config.hasPath(path)) {
            return new ConfigException.BadValue(config.getValue(path).origin(), path, problem);
        }
        return new ConfigException.BadValue(path, problem);
    }

    /** A finite double. */
    public static double finiteDouble(Config config, String path) {
        double value = config.getDouble(path);
        if (!Double.isFinite(value)) {
            throw bad(config, path, "must be a finite number, got " + value);
        }
        return value;
    }

    /** An int of at least {@code min}. */
    public static int intAtLeast(Config config, String path, int min) {
        int value = config.getInt(path);
        if (value < min) {
            throw bad(config, path, "must be at least " + min + ", got " + value);
        }
        return value;
    }

    /** A duration longer than zero. */
    public static Duration positiveDuration(Config config, String path) {
        Duration value = config.getDuration(path);
        if (value.isZero() || value.isNegative()) {
            throw bad(config, path, "must be longer than zero, got " + value);
        }
        return value;
    }

    /**
     * A constant of {@code type}, written in the config as its name in lower case with {@code -}
     * for {@code _} ({@code DROP_GROUP} is {@code drop-group}); the error lists the valid names.
     */
    public static <E extends Enum<E>> E oneOf(Config config, String path, Class<E> type) {
        String name = config.getString(path);
        List<String> valid = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            String configName = configName(constant);
            if (configName.equals(name)) {
                return constant;
            }
            valid.add(configName);
        }
        throw bad(
                config,
                path,
                "unknown value '" + name + "'; valid values: " + String.join(", ", valid));
    }

    /** How {@code constant} is written in the config: {@code DROP_GROUP} is {@code drop-group}. */
    public static String configName(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Fails on the first key of {@code given} (recursively) that {@code known} does not have,
     * listing the keys that are valid at that level; a misspelt key would otherwise be ignored in
     * silence.
     *
     * @param given the config to check
     * @param known the config that holds every valid key (the reference)
     * @param prefix path of {@code given} in the whole config, for the message ({@code ""} at the
     *     root)
     */
    public static void requireKnownKeys(Config given, Config known, String prefix) {
        requireKnownKeys(given.root(), known.root(), prefix);
    }

    private static void requireKnownKeys(ConfigObject given, ConfigObject known, String prefix) {
        for (Map.Entry<String, ConfigValue> entry : given.entrySet()) {
            String key = entry.getKey();
            String path = prefix.isEmpty() ? key : prefix + "." + key;
            ConfigValue knownValue = known.get(key);
            if (knownValue == null) {
                throw new ConfigException.BadValue(
                        entry.getValue().origin(),
                        path,
                        "unknown key '"
                                + key
                                + "'; valid keys here: "
                                + String.join(", ", new TreeSet<>(known.keySet())));
            }
            if (entry.getValue().valueType() == ConfigValueType.OBJECT
                    && knownValue.valueType() == ConfigValueType.OBJECT) {
                requireKnownKeys((ConfigObject) entry.getValue(), (ConfigObject) knownValue, path);
            }
        }
    }
}
