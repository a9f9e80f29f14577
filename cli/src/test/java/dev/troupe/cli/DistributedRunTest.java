package dev.troupe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same run in one JVM and across three (coordinator + reward in this one, rollout and learner
 * each in a child JVM started with {@code troupe node}), on loopback: with the same seed, the
 * per-step metrics are the same.
 */
class DistributedRunTest {
    @TempDir Path tmp;

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void stopChildren() throws InterruptedException {
        for (Process p : children) {
            p.destroy();
        }
        for (Process p : children) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    static final String CONFIG =
            """
            troupe {
              model {
                device = cpu
                cpu-threads = 1
                tiny { hidden-size = 64, intermediate-size = 128, layers = 2, heads = 2, kv-heads = 1 }
              }
              metrics.progress = off
              data {
                prompt { format = plain, template = "{question}\\n" }
                arithmetic { operations = ["+"], max-digits = 1, test-share = 0.2, test-size = 12 }
                sft { response-template = "<think>{reasoning}</think><answer>{answer}</answer>",
                      include-reasoning = true }
              }
              sft { steps = 4, batch-size = 16, learning-rate = 3e-3 }
              rollout { group-size = 4, max-new-tokens = 24 }
              grpo { steps = 3, prompts-per-step = 4, kl-beta = 0.01 }
              learner { learning-rate = 1e-3, micro-batch-size = 8 }
              eval { problems = 12 }
              run.startup-timeout = 90s
            }
            """;

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process node(Path config, String roles, int seedPort, Path log, List<String> flags)
            throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb =
                new ProcessBuilder(
                        java,
                        "-Xmx2g",
                        "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
                        "-Dorg.bytedeco.javacpp.maxBytes=0",
                        "--add-opens",
                        "java.base/sun.nio.ch=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        "node",
                        config.toString(),
                        "--roles",
                        roles,
                        "--seed-nodes",
                        "127.0.0.1:" + seedPort);
        pb.command().addAll(flags);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        Process p = pb.start();
        children.add(p);
        return p;
    }

    static List<JsonNode> deterministicMetrics(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            ObjectNode o = (ObjectNode) json.readTree(line);
            for (Iterator<String> it = o.deepCopy().fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (f.equals("wall_time") || f.contains("seconds") || f.endsWith("_per_s")) {
                    o.remove(f);
                }
            }
            out.add(o);
        }
        return out;
    }

    @Test
    void threeJvmRunGivesTheSameMetricsAsOneJvm() throws Exception {
        compareOneAndThreeJvms(List.of(), List.of());
    }

    /**
     * Adapter versions travel from the learner JVM to the rollout JVM over Aeron (UDP on loopback,
     * each node its own media driver): rollouts generate with exactly the version they report, so
     * the metrics equal those of the one-JVM run, which hands adapters over as folders.
     */
    @Test
    void adapterVersionsOverAeronGiveTheSameMetrics() throws Exception {
        int syncPort = freePort();
        String base = "/dev/shm/troupe-test-" + ProcessHandle.current().pid() + "-";
        List<String> common =
                List.of(
                        "--set",
                        "troupe.learner.adapter-sync=aeron",
                        "--set",
                        "troupe.learner.adapter-sync-port=" + syncPort,
                        "--set",
                        "troupe.transport.media=udp");
        Path distributed =
                compareOneAndThreeJvms(
                        List.of(
                                concat(
                                        common,
                                        "--set",
                                        "troupe.transport.driver.directory=\""
                                                + base
                                                + "rollout\""),
                                concat(
                                        common,
                                        "--set",
                                        "troupe.transport.driver.directory=\""
                                                + base
                                                + "learner\"")),
                        common);
        // No adapter folders were written: every version went over the channel.
        assertFalse(Files.exists(distributed.resolve("adapters")));
        assertTrue(Files.exists(tmp.resolve("single").resolve("adapters")));
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(List.of(b));
        return out;
    }

    /** Runs both ways, checks they agree, and returns the distributed run's directory. */
    private Path compareOneAndThreeJvms(List<List<String>> nodeFlags, List<String> runFlags)
            throws Exception {
        Path config = tmp.resolve("run.conf");
        Files.writeString(config, CONFIG);
        Path single = tmp.resolve("single");
        MainTest.Run one = MainTest.run("run", config.toString(), "--out", single.toString());
        assertEquals(0, one.code(), one.err());

        int port = freePort();
        Process rollout =
                node(
                        config,
                        "rollout",
                        port,
                        tmp.resolve("rollout.log"),
                        nodeFlags.isEmpty() ? List.of() : nodeFlags.get(0));
        Process learner =
                node(
                        config,
                        "learner",
                        port,
                        tmp.resolve("learner.log"),
                        nodeFlags.isEmpty() ? List.of() : nodeFlags.get(1));
        Path distributed = tmp.resolve("distributed");
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "run",
                                config.toString(),
                                "--out",
                                distributed.toString(),
                                "--roles",
                                "coordinator,reward",
                                "--port",
                                Integer.toString(port),
                                "--seed-nodes",
                                "127.0.0.1:" + port));
        args.addAll(runFlags);
        MainTest.Run three = MainTest.run(args.toArray(new String[0]));
        String logs =
                "\nrollout node:\n"
                        + Files.readString(tmp.resolve("rollout.log"))
                        + "\nlearner node:\n"
                        + Files.readString(tmp.resolve("learner.log"));
        assertEquals(0, three.code(), three.err() + logs);
        assertTrue(rollout.isAlive() && learner.isAlive(), logs);
        // The workers really ran in the child JVMs.
        assertTrue(Files.readString(tmp.resolve("rollout.log")).contains("rollout-0 at"), logs);
        assertTrue(Files.readString(tmp.resolve("learner.log")).contains("learner-0 at"), logs);

        List<JsonNode> a = deterministicMetrics(single.resolve("metrics.jsonl"));
        List<JsonNode> b = deterministicMetrics(distributed.resolve("metrics.jsonl"));
        assertEquals(3, a.size());
        assertEquals(a, b);
        assertEquals(
                Files.readString(single.resolve("eval").resolve("after.jsonl")),
                Files.readString(distributed.resolve("eval").resolve("after.jsonl")));
        return distributed;
    }
}
