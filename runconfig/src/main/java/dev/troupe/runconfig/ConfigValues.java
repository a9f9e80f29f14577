package dev.troupe.runconfig;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reading config values into records, for every module: each failure is a {@link ConfigException}
 * that names the key, where it was set (file and line) and what is wrong.
 */
public final class ConfigValues {
    private ConfigValues() {}

    /**
     * Fails on a key under {@code section} that {@code reference.conf} does not define: a typo such
     * as {@code max-digit} would otherwise be ignored silently.
     */
    public static void rejectUnknownKeys(Config root, String section) {
        if (!root.hasPath(section)) {
            return;
        }
        Config reference = ConfigFactory.defaultReference();
        requireKnownKeys(
                root.getConfig(section),
                reference.hasPath(section) ? reference.getConfig(section) : ConfigFactory.empty(),
                section);
    }

    /**
     * Fails on the first key of {@code given} (recursively) that {@code known} does not have,
     * listing the keys that are valid at that level.
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

    /** An int in [min, max]. */
    public static int intIn(Config root, String path, int min, int max) {
        int value = root.getInt(path);
        if (value < min || value > max) {
            throw badValue(root, path, value + " is outside [" + min + ", " + max + "]");
        }
        return value;
    }

    /** An int of at least {@code min}. */
    public static int intAtLeast(Config root, String path, int min) {
        return intIn(root, path, min, Integer.MAX_VALUE);
    }

    /** A double in [min, max]. */
    public static double doubleIn(Config root, String path, double min, double max) {
        double value = root.getDouble(path);
        if (!(value >= min && value <= max)) {
            throw badValue(root, path, value + " is outside [" + min + ", " + max + "]");
        }
        return value;
    }

    /** A finite double. */
    public static double finiteDouble(Config root, String path) {
        double value = root.getDouble(path);
        if (!Double.isFinite(value)) {
            throw badValue(root, path, "must be a finite number, got " + value);
        }
        return value;
    }

    /** A duration longer than zero. */
    public static Duration positiveDuration(Config root, String path) {
        Duration value = root.getDuration(path);
        if (value.isZero() || value.isNegative()) {
            throw badValue(root, path, "must be longer than zero, got " + value);
        }
        return value;
    }

    /**
     * One of an enum's constants, written in config in lower case with {@code -} for {@code _}
     * ({@code DROP_GROUP} is {@code drop-group}); an unknown name fails listing the valid ones.
     */
    public static <E extends Enum<E>> E choice(Config root, String path, Class<E> type) {
        String name = root.getString(path);
        for (E constant : type.getEnumConstants()) {
            if (configName(constant).equals(name)) {
                return constant;
            }
        }
        throw badValue(
                root,
                path,
                "'"
                        + name
                        + "' is not one of "
                        + Arrays.stream(type.getEnumConstants())
                                .map(ConfigValues::configName)
                                .collect(Collectors.joining(", ")));
    }

    /**
     * How an enum constant is written in config: {@code PROGRESS_LINE} is {@code progress-line}.
     */
    public static String configName(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** A {@link ConfigException.BadValue} at the key's origin, when the key is set. */
    public static ConfigException.BadValue badValue(Config root, String path, String problem) {
        if (root.hasPath(path)) {
            return new ConfigException.BadValue(root.getValue(path).origin(), path, problem);
        }
        return new ConfigException.BadValue(path, problem);
    }
}
