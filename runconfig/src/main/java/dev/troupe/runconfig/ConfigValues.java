package dev.troupe.runconfig;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reading config values into records: each failure is a {@link ConfigException} that names the key,
 * where it was set (file and line) and what is wrong.
 */
public final class ConfigValues {
    private ConfigValues() {}

    /**
     * Fails on a key under {@code section} that {@code reference.conf} does not define: a typo such
     * as {@code max-digit} would otherwise be ignored silently.
     */
    public static void rejectUnknownKeys(Config root, String section) {
        Config reference = ConfigFactory.defaultReference();
        Set<String> known = new TreeSet<>();
        if (reference.hasPath(section)) {
            for (Map.Entry<String, ConfigValue> e : reference.getConfig(section).entrySet()) {
                known.add(e.getKey());
            }
        }
        if (!root.hasPath(section)) {
            return;
        }
        for (Map.Entry<String, ConfigValue> e : root.getConfig(section).entrySet()) {
            if (!known.contains(e.getKey())) {
                throw new ConfigException.BadPath(
                        e.getValue().origin(),
                        section + "." + e.getKey(),
                        "unknown key; the keys under " + section + " are " + known);
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

    /** A double in [min, max]. */
    public static double doubleIn(Config root, String path, double min, double max) {
        double value = root.getDouble(path);
        if (!(value >= min && value <= max)) {
            throw badValue(root, path, value + " is outside [" + min + ", " + max + "]");
        }
        return value;
    }

    /**
     * One of an enum's constants, written in config in lower case with {@code -} for {@code _}
     * ({@code LINE} is {@code "line"}); an unknown name fails listing the valid ones.
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

    /** A {@link ConfigException.BadValue} at the key's origin. */
    public static ConfigException badValue(Config root, String path, String problem) {
        return new ConfigException.BadValue(root.getValue(path).origin(), path, problem);
    }
}
