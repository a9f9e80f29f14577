package dev.troupe.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import dev.troupe.coordinator.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The config file and overrides shared by run, sft, eval and node. */
final class JobOptions {
    @Parameters(
            index = "0",
            paramLabel = "FILE",
            description = "Run config (HOCON), e.g. config/examples/quickstart.conf.")
    Path file;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "Override a config key, e.g. --set troupe.grpo.steps=10 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(
            names = "--roles",
            split = ",",
            description = "Cluster roles of this node (coordinator, rollout, reward, learner).")
    List<String> roles;

    @Option(
            names = "--seed-nodes",
            split = ",",
            paramLabel = "HOST:PORT",
            description = "Seed nodes of the cluster to join; none: form a cluster of one.")
    List<String> seedNodes;

    @Option(names = "--port", description = "Cluster port of this node (0: any free one).")
    Integer port;

    @Option(names = "--host", description = "Host this node binds and advertises.")
    String host;

    /** The checked config: the file, then --set overrides and the cluster flags over it. */
    RunConfig load() {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no such config file: " + file);
        }
        Config parsed =
                ConfigFactory.parseFile(
                        file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        StringBuilder flags = new StringBuilder();
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set needs KEY=VALUE, got '" + o + "'");
            }
            flags.append(o, 0, eq).append(" = ").append(o.substring(eq + 1)).append('\n');
        }
        if (roles != null) {
            flags.append("troupe.cluster.roles = ").append(quoted(roles)).append('\n');
        }
        if (seedNodes != null) {
            flags.append("troupe.cluster.seed-nodes = ").append(quoted(seedNodes)).append('\n');
        }
        if (port != null) {
            flags.append("troupe.cluster.port = ").append(port).append('\n');
        }
        if (host != null) {
            flags.append("troupe.cluster.host = \"").append(host).append("\"\n");
        }
        Config over =
                ConfigFactory.parseString(
                        flags.toString(),
                        ConfigParseOptions.defaults().setOriginDescription("command line"));
        return RunConfig.from(over.withFallback(parsed), file.toString());
    }

    private static String quoted(List<String> xs) {
        List<String> q = new ArrayList<>();
        for (String x : xs) {
            q.add("\"" + x.trim() + "\"");
        }
        return "[" + String.join(", ", q) + "]";
    }

    /** The default run directory: runs/ and the config file's name without extension. */
    Path defaultOut(String suffix) {
        String name = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        return Path.of("runs", name + suffix);
    }
}
