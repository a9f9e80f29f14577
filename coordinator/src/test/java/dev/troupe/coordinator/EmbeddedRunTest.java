package dev.troupe.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.coordinator.metrics.RunSummary;
import dev.troupe.coordinator.metrics.TensorBoardWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole run in one JVM: one-node cluster, sharded workers, every message serialized. */
class EmbeddedRunTest {
    @TempDir Path tmp;

    static final ObjectMapper JSON = new ObjectMapper();

    static List<JsonNode> lines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) {
            out.add(JSON.readTree(l));
        }
        return out;
    }

    /** One job on its own one-node cluster; {@code adapter} only for eval mode (else null). */
    static Coordinator.Outcome run(
            RunConfig config, Coordinator.Mode mode, Path out, boolean resume, Path adapter) {
        return RunJob.run(
                config,
                new RunJob.Request(
                        mode, out, resume, OptionalLong.empty(), Optional.ofNullable(adapter)));
    }

    @Test
    void runWritesMetricsSummaryCheckpointsAndAdapters() throws Exception {
        Path out = tmp.resolve("run");
        RunConfig config = RunFixtures.shortRun("troupe.checkpoint.every-steps = 2");
        Coordinator.Outcome outcome = run(config, Coordinator.Mode.RUN, out, false, null);
        assertTrue(outcome.finished(), outcome.message());
        List<JsonNode> steps = lines(out.resolve("metrics.jsonl"));
        assertEquals(4, steps.size());
        for (int i = 0; i < steps.size(); i++) {
            JsonNode s = steps.get(i);
            assertEquals(i + 1, s.get("step").asInt());
            for (String f :
                    List.of(
                            "reward_mean",
                            "reward_std",
                            "reward_tiered_0_1_10_mean",
                            "reward_format_mean",
                            "accuracy",
                            "format_rate",
                            "response_length",
                            "kl",
                            "entropy",
                            "clip_fraction",
                            "grad_norm",
                            "learning_rate",
                            "rollout_tokens_per_s",
                            "learner_step_seconds",
                            "rollout_learner_log_prob_gap",
                            "adapter_sync_bytes",
                            "adapter_sync_seconds",
                            "policy_version_lag")) {
                assertTrue(s.has(f), "step " + (i + 1) + " lacks " + f + ": " + s);
                assertTrue(Double.isFinite(s.get(f).asDouble()), f + " = " + s.get(f));
            }
            assertEquals(16, s.get("trained_sequences").asInt());
            // Rollout and learner compute the same log-probs: the importance gap is tiny.
            assertTrue(s.get("rollout_learner_log_prob_gap").asDouble() < 1e-3, s.toString());
            // Adapter versions: 6 SFT updates, then one per GRPO step.
            assertEquals(6 + i + 1, s.get("adapter_version").asInt());
        }
        assertEquals(6, lines(out.resolve("sft").resolve("metrics.jsonl")).size());
        assertFalse(TensorBoardWriter.eventFiles(out).isEmpty());
        RunSummary summary = RunSummary.read(out.resolve(RunSummary.FILE_NAME));
        assertEquals(4, summary.steps());
        assertEquals(summary, outcome.summary().orElseThrow());
        assertEquals(12, Files.readAllLines(out.resolve("eval").resolve("before.jsonl")).size());
        assertEquals(12, Files.readAllLines(out.resolve("eval").resolve("after.jsonl")).size());
        assertEquals(
                "grpo-000004",
                Files.readString(out.resolve("checkpoints").resolve("latest")).trim());
        Path last = out.resolve("checkpoints").resolve("grpo-000004");
        assertTrue(Files.exists(last.resolve("adapter").resolve("adapter_model.safetensors")));
        assertTrue(Files.exists(last.resolve("optimizer.safetensors")));
        assertTrue(Files.exists(last.resolve(CheckpointStore.STATE_FILE)));
        assertTrue(Files.exists(out.resolve("adapters").resolve("v10")));
        // keep = 2: the oldest checkpoints were pruned.
        assertFalse(Files.exists(out.resolve("checkpoints").resolve("sft-000006")));
    }

    @Test
    void resumingFromAnotherModelsCheckpointFails() throws Exception {
        Path out = tmp.resolve("run");
        RunConfig config = RunFixtures.shortRun("troupe.grpo.steps = 1\ntroupe.sft.steps = 1");
        run(config, Coordinator.Mode.RUN, out, false, null);
        RunConfig other = config.with("troupe.model.tiny.seed", 99);
        Coordinator.RunFailedException e =
                assertThrows(
                        Coordinator.RunFailedException.class,
                        () -> run(other, Coordinator.Mode.RUN, out, true, null));
        assertTrue(e.getMessage().contains("another model"), e.getMessage());
    }

    @Test
    void aThrowingUserRewardCostsItsGroupNotTheRun() throws Exception {
        Path out = tmp.resolve("run");
        RunConfig config =
                RunFixtures.shortRun(
                        "troupe.grpo.steps = 2\ntroupe.sft.steps = 1\n"
                                + "troupe.reward.on-error = drop-group\n"
                                + "troupe.reward.functions = [ { name = \""
                                + ThrowingReward.class.getName()
                                + "\", label = \"length\" } ]");
        Coordinator.Outcome outcome = run(config, Coordinator.Mode.RUN, out, false, null);
        assertTrue(outcome.finished(), outcome.message());
        for (JsonNode s : lines(out.resolve("metrics.jsonl"))) {
            // One sample fails each step: its group (4 completions) is dropped and counted,
            // the other 3 groups are trained on.
            assertEquals(1, s.get("reward_errors").asInt(), s.toString());
            assertEquals(1, s.get("groups_dropped").asInt(), s.toString());
            assertEquals(12, s.get("trained_sequences").asInt(), s.toString());
            assertTrue(s.has("reward_length_mean"), s.toString());
        }
    }

    @Test
    void sftThenEvalOfItsAdapter() throws Exception {
        Path sft = tmp.resolve("sft");
        RunConfig config = RunFixtures.shortRun("troupe.sft.steps = 5");
        Coordinator.Outcome trained = run(config, Coordinator.Mode.SFT, sft, false, null);
        assertTrue(trained.finished(), trained.message());
        List<JsonNode> steps = lines(sft.resolve("metrics.jsonl"));
        assertEquals(5, steps.size());
        // Cross-entropy on the assistant tokens goes down.
        assertTrue(
                steps.get(4).get("loss").asDouble() < steps.get(0).get("loss").asDouble(),
                steps.toString());
        RunSummary s = trained.summary().orElseThrow();

        Path eval = tmp.resolve("eval");
        Coordinator.Outcome evaluated =
                run(
                        config,
                        Coordinator.Mode.EVAL,
                        eval,
                        false,
                        sft.resolve("adapters").resolve("v5"));
        assertTrue(evaluated.finished(), evaluated.message());
        JsonNode e = JSON.readTree(eval.resolve("eval.json").toFile());
        // The same greedy evaluation of the same adapter: the same numbers.
        assertEquals(s.accuracyAfter(), e.get("accuracy").asDouble(), 1e-9);
        assertEquals(s.formatRateFinal(), e.get("format_rate").asDouble(), 1e-9);
        assertEquals(
                Files.readString(sft.resolve("eval").resolve("after.jsonl")),
                Files.readString(eval.resolve("eval").resolve("after.jsonl")));
    }
}
