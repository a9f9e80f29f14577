package dev.troupe.coordinator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import dev.troupe.coordinator.data.DataConfig;
import dev.troupe.coordinator.metrics.MetricsConfig;
import dev.troupe.learner.LearnerSettings;
import dev.troupe.model.settings.LoraSettings;
import dev.troupe.model.settings.ModelSettings;
import dev.troupe.reward.RewardConfig;
import dev.troupe.reward.builtin.FormatReward;
import dev.troupe.reward.builtin.Gsm8kCorrectnessReward;
import dev.troupe.rollout.RolloutSettings;
import dev.troupe.runconfig.ConfigValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A run's whole configuration, read from a HOCON file over the modules' {@code reference.conf}
 * defaults and checked section by section before any model loads: an unknown key, a wrong type or a
 * value out of range fails here with the file, line and key.
 *
 * @param config the resolved config (what the worker entities are sent)
 * @param source where it was read from, for messages
 * @param run {@code troupe.run}
 * @param eval {@code troupe.eval}
 * @param checkpoint {@code troupe.checkpoint}
 * @param cluster {@code troupe.cluster}
 * @param data {@code troupe.data}
 * @param metrics {@code troupe.metrics}
 * @param reward {@code troupe.reward}
 * @param model {@code troupe.model}
 * @param lora {@code troupe.lora}
 * @param rollout {@code troupe.rollout}
 * @param learner {@code troupe.grpo}, {@code troupe.sft}, {@code troupe.learner}
 */
public record RunConfig(
        Config config,
        String source,
        Run run,
        Eval eval,
        Checkpoint checkpoint,
        Cluster cluster,
        DataConfig data,
        MetricsConfig metrics,
        RewardConfig reward,
        ModelSettings model,
        LoraSettings lora,
        RolloutSettings rollout,
        LearnerSettings learner) {

    /** {@code troupe.run}. */
    public record Run(long seed, Duration requestTimeout, Duration startupTimeout) {}

    /**
     * {@code troupe.eval}; {@code format} and {@code correctness} also give the train steps'
     * format_rate and accuracy.
     */
    public record Eval(
            double temperature,
            int samples,
            int maxNewTokens,
            int problems,
            long seed,
            FormatReward format,
            Gsm8kCorrectnessReward correctness) {}

    /** {@code troupe.checkpoint}. */
    public record Checkpoint(int everySteps, int keep) {}

    /** {@code troupe.cluster}. */
    public record Cluster(
            Set<String> roles, String host, int port, List<String> seedNodes, int rewardActors) {}

    /** The node roles Troupe knows. */
    public static final Set<String> ROLES = Set.of("coordinator", "rollout", "reward", "learner");

    /** Reads {@code file} over the defaults (and -D overrides) and checks it. */
    public static RunConfig load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException.IO(
                    ConfigFactory.empty(file.toString()).origin(), "no such config file: " + file);
        }
        Config parsed =
                ConfigFactory.parseFile(
                        file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        return from(parsed, file.toString());
    }

    /** Checks {@code overrides} laid over the defaults; {@code source} names it in messages. */
    public static RunConfig from(Config overrides, String source) {
        Config root =
                ConfigFactory.defaultOverrides()
                        .withFallback(overrides)
                        .withFallback(ConfigFactory.defaultReference())
                        .resolve();
        rejectUnknownSections(root);
        String e = "troupe.eval.";
        ConfigValues.rejectUnknownKeys(root, "troupe.run");
        ConfigValues.rejectUnknownKeys(root, "troupe.eval");
        ConfigValues.rejectUnknownKeys(root, "troupe.checkpoint");
        ConfigValues.rejectUnknownKeys(root, "troupe.cluster");
        Run run =
                new Run(
                        root.getLong("troupe.run.seed"),
                        positive(root, "troupe.run.request-timeout"),
                        positive(root, "troupe.run.startup-timeout"));
        Eval eval;
        try {
            eval =
                    new Eval(
                            ConfigValues.doubleIn(root, e + "temperature", 0, 100),
                            ConfigValues.intIn(root, e + "samples", 1, 1 << 16),
                            ConfigValues.intIn(root, e + "max-new-tokens", 0, 1 << 20),
                            ConfigValues.intIn(root, e + "problems", 0, Integer.MAX_VALUE),
                            root.getLong(e + "seed"),
                            FormatReward.fromConfig(
                                    root.getConfig(e + "format")
                                            .withFallback(
                                                    ConfigFactory.parseMap(
                                                            Map.of(
                                                                    "match-score", 1.0,
                                                                    "miss-score", 0.0)))),
                            Gsm8kCorrectnessReward.fromConfig(
                                    root.getConfig(e + "answer")
                                            .withFallback(
                                                    ConfigFactory.parseMap(
                                                            Map.of(
                                                                    "correct-score", 1.0,
                                                                    "wrong-score", 0.0,
                                                                    "no-answer-score", 0.0)))));
        } catch (IllegalArgumentException ex) {
            throw ConfigValues.badValue(root, "troupe.eval", ex.getMessage());
        }
        Checkpoint checkpoint =
                new Checkpoint(
                        ConfigValues.intIn(root, "troupe.checkpoint.every-steps", 0, 1 << 30),
                        ConfigValues.intIn(root, "troupe.checkpoint.keep", 1, 1 << 20));
        String c = "troupe.cluster.";
        Set<String> roles = new TreeSet<>(root.getStringList(c + "roles"));
        for (String role : roles) {
            if (!ROLES.contains(role)) {
                throw ConfigValues.badValue(
                        root, c + "roles", "unknown role '" + role + "' (known: " + ROLES + ")");
            }
        }
        List<String> seeds = root.getStringList(c + "seed-nodes");
        for (String s : seeds) {
            if (!s.matches("[^:\\s]+:\\d{1,5}")) {
                throw ConfigValues.badValue(root, c + "seed-nodes", "'" + s + "' is not host:port");
            }
        }
        Cluster cluster =
                new Cluster(
                        Set.copyOf(roles),
                        root.getString(c + "host"),
                        ConfigValues.intIn(root, c + "port", 0, 65535),
                        List.copyOf(seeds),
                        ConfigValues.intIn(root, c + "reward-actors", 1, 1024));
        return new RunConfig(
                root,
                source,
                run,
                eval,
                checkpoint,
                cluster,
                DataConfig.from(root),
                MetricsConfig.from(root),
                RewardConfig.load(root),
                ModelSettings.from(root),
                LoraSettings.from(root),
                RolloutSettings.from(root),
                LearnerSettings.from(root));
    }

    /** A section under {@code troupe} that no module defines is a typo: fail on it. */
    private static void rejectUnknownSections(Config root) {
        Set<String> known = ConfigFactory.defaultReference().getConfig("troupe").root().keySet();
        for (String key : root.getConfig("troupe").root().keySet()) {
            if (!known.contains(key)) {
                throw new ConfigException.BadPath(
                        root.getConfig("troupe").root().get(key).origin(),
                        "troupe." + key,
                        "unknown section; the sections are " + new TreeSet<>(known));
            }
        }
    }

    private static Duration positive(Config root, String path) {
        Duration d = root.getDuration(path);
        if (d.isNegative() || d.isZero()) {
            throw ConfigValues.badValue(root, path, "must be > 0");
        }
        return d;
    }

    /** The resolved config as JSON, for worker entities in other processes. */
    public String json() {
        return config.root().render(ConfigRenderOptions.concise());
    }

    /** This config with {@code path} set to {@code value} (checked again). */
    public RunConfig with(String path, Object value) {
        return from(ConfigFactory.parseMap(Map.of(path, value)).withFallback(config), source);
    }
}
