package dev.troupe.reward;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.troupe.reward.builtin.WeightedCombination;
import dev.troupe.runconfig.ConfigValues;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code troupe.reward} block, read and checked once at startup; {@code reference.conf}
 * documents every key. The reward functions are built here, so a misspelt name or a class that does
 * not exist fails before any actor starts, with a message naming the file, line and key.
 *
 * @param functions the weighted reward functions from {@code troupe.reward.functions}
 * @param sampleTimeout how long one sample's evaluation (all functions) may run on a worker
 * @param onError what happens to a group in which a sample failed
 * @param maxRetries re-scoring rounds after the first attempt when {@code onError} is {@code
 *     RESCORE}
 * @param workers worker threads per reward actor
 * @param maxStuckWorkers stuck workers (abandoned after a timeout, still running) that are replaced
 */
public record RewardConfig(
        WeightedCombination functions,
        Duration sampleTimeout,
        OnError onError,
        int maxRetries,
        int workers,
        int maxStuckWorkers) {

    /** Where the block sits in the config. */
    public static final String PATH = "troupe.reward";

    /** What happens to a group in which a sample failed. */
    public enum OnError {
        /**
         * Score the failed samples again, up to {@code max-retries} more attempts; drop the group
         * if some still fail.
         */
        RESCORE,
        /** Drop the group at once. */
        DROP_GROUP
    }

    private static final List<String> ENTRY_KEYS = List.of("name", "weight", "label", "params");

    public RewardConfig {
        Objects.requireNonNull(functions, "functions");
        Objects.requireNonNull(onError, "onError");
        if (sampleTimeout.isZero() || sampleTimeout.isNegative()) {
            throw new IllegalArgumentException("sampleTimeout must be positive: " + sampleTimeout);
        }
        if (maxRetries < 0 || workers < 1 || maxStuckWorkers < 0) {
            throw new IllegalArgumentException(
                    "need maxRetries >= 0, workers >= 1, maxStuckWorkers >= 0; got "
                            + maxRetries
                            + ", "
                            + workers
                            + ", "
                            + maxStuckWorkers);
        }
    }

    /** Reads {@code troupe.reward} from {@code root} with the built-in functions. */
    public static RewardConfig load(Config root) {
        return load(root, RewardRegistry.builtIns());
    }

    /**
     * Reads {@code troupe.reward} from {@code root} (an application config with {@code
     * reference.conf} below it, as {@code ConfigFactory.load()} gives).
     *
     * @throws ConfigException naming the file, line and key of the first bad value
     */
    public static RewardConfig load(Config root, RewardRegistry registry) {
        Config known = ConfigFactory.defaultReference(RewardConfig.class.getClassLoader());
        ConfigValues.requireKnownKeys(root.getConfig(PATH), known.getConfig(PATH), PATH);
        return new RewardConfig(
                functions(root, registry),
                ConfigValues.positiveDuration(root, PATH + ".sample-timeout"),
                ConfigValues.choice(root, PATH + ".on-error", OnError.class),
                ConfigValues.intAtLeast(root, PATH + ".max-retries", 0),
                ConfigValues.intAtLeast(root, PATH + ".worker-pool.size", 1),
                ConfigValues.intAtLeast(root, PATH + ".worker-pool.max-stuck-workers", 0));
    }

    private static WeightedCombination functions(Config root, RewardRegistry registry) {
        String listPath = PATH + ".functions";
        ConfigList list = root.getList(listPath);
        if (list.isEmpty()) {
            throw ConfigValues.badValue(root, listPath, "needs at least one reward function");
        }
        List<WeightedCombination.Term> terms = new ArrayList<>();
        Map<String, String> labels = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String key = listPath + "[" + i + "]";
            ConfigValue value = list.get(i);
            if (value.valueType() != ConfigValueType.OBJECT) {
                throw new ConfigException.BadValue(
                        value.origin(),
                        key,
                        "each function is an object { name = ..., weight = ... }, got "
                                + value.valueType().name().toLowerCase(Locale.ROOT));
            }
            WeightedCombination.Term term = term((ConfigObject) value, key, root, registry);
            String earlier = labels.putIfAbsent(term.label(), key);
            if (earlier != null) {
                throw new ConfigException.BadValue(
                        value.origin(),
                        key,
                        "label '"
                                + term.label()
                                + "' is used by "
                                + earlier
                                + " already; give one of them a distinct 'label'");
            }
            terms.add(term);
        }
        return new WeightedCombination(terms);
    }

    private static WeightedCombination.Term term(
            ConfigObject object, String key, Config root, RewardRegistry registry) {
        Config entry = object.toConfig();
        for (String field : object.keySet()) {
            if (!ENTRY_KEYS.contains(field)) {
                throw new ConfigException.BadValue(
                        object.get(field).origin(),
                        key + "." + field,
                        "unknown key '"
                                + field
                                + "'; valid keys: "
                                + String.join(", ", ENTRY_KEYS));
            }
        }
        if (!entry.hasPath("name")) {
            throw new ConfigException.BadValue(
                    object.origin(), key + ".name", "missing: every function needs a name");
        }
        String name;
        double weight;
        String label;
        Config params;
        try {
            name = entry.getString("name");
            weight = entry.hasPath("weight") ? ConfigValues.finiteDouble(entry, "weight") : 1.0;
            label = entry.hasPath("label") ? entry.getString("label") : name;
            params = entry.hasPath("params") ? entry.getConfig("params") : ConfigFactory.empty();
        } catch (ConfigException e) {
            throw new ConfigException.BadValue(object.origin(), key, e.getMessage(), e);
        }
        if (label.isBlank()) {
            throw new ConfigException.BadValue(
                    entry.getValue("label").origin(), key + ".label", "must not be blank");
        }
        if (registry.isRegistered(name)) {
            String defaultsPath = PATH + ".builtin." + name;
            if (root.hasPath(defaultsPath)) {
                Config defaults = root.getConfig(defaultsPath);
                try {
                    ConfigValues.requireKnownKeys(params, defaults, key + ".params");
                } catch (ConfigException e) {
                    throw new ConfigException.BadValue(object.origin(), key, e.getMessage(), e);
                }
                params = params.withFallback(defaults);
            }
        }
        RewardFunction function;
        try {
            function = registry.create(name, params);
        } catch (IllegalArgumentException | ConfigException e) {
            throw new ConfigException.BadValue(
                    entry.getValue("name").origin(), key + ".name", e.getMessage(), e);
        }
        return new WeightedCombination.Term(label, weight, function);
    }
}
