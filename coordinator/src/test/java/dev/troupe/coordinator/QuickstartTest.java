package dev.troupe.coordinator;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import dev.troupe.coordinator.metrics.RunSummary;
import dev.troupe.testkit.RepoPaths;
import dev.troupe.testkit.SlowTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shorter version of the README's quickstart ({@code config/examples/quickstart.conf}: its whole
 * SFT, fewer GRPO steps and held-out problems): the reward rises during GRPO and so does held-out
 * accuracy (greedy, as the quickstart measures it). The SFT is not shortened: with fewer steps (250
 * or 400 of its 500) the model learns the worked steps too poorly for GRPO to gain anything.
 */
@SlowTest
class QuickstartTest {
    @TempDir Path tmp;

    static final int STEPS = 16;
    static final int WINDOW = 5;
    static final int EVAL_PROBLEMS = 100;

    /** Percentage points of held-out accuracy GRPO must add (the full quickstart aims at 20). */
    static final double MIN_GAIN = 10;

    @Test
    void rewardAndHeldOutAccuracyRiseDuringGrpo() throws Exception {
        RunConfig quickstart =
                RunConfig.load(RepoPaths.root().resolve("config/examples/quickstart.conf"));
        RunConfig shorter =
                RunConfig.from(
                        ConfigFactory.parseString(
                                        "troupe.grpo.steps = "
                                                + STEPS
                                                + "\ntroupe.eval.problems = "
                                                + EVAL_PROBLEMS
                                                + "\ntroupe.metrics.progress = off"
                                                + "\ntroupe.checkpoint.every-steps = 0")
                                .withFallback(quickstart.config()),
                        "quickstart, shortened");
        Path out = tmp.resolve("quickstart");
        Coordinator.Outcome outcome =
                RunJob.run(
                        shorter,
                        new RunJob.Request(
                                Coordinator.Mode.RUN,
                                out,
                                false,
                                OptionalLong.empty(),
                                Optional.empty()));
        assertTrue(outcome.finished(), outcome.message());
        List<JsonNode> steps = EmbeddedRunTest.lines(out.resolve("metrics.jsonl"));
        double first = mean(steps.subList(0, WINDOW));
        double last = mean(steps.subList(STEPS - WINDOW, STEPS));
        assertTrue(
                last > first,
                "mean reward of the first "
                        + WINDOW
                        + " steps "
                        + first
                        + ", of the last "
                        + WINDOW
                        + " "
                        + last);
        RunSummary summary = RunSummary.read(out.resolve(RunSummary.FILE_NAME));
        assertTrue(
                summary.accuracyAfter() >= summary.accuracyBefore() + MIN_GAIN,
                "held-out accuracy "
                        + summary.accuracyBefore()
                        + "% -> "
                        + summary.accuracyAfter()
                        + "%, wanted a gain of "
                        + MIN_GAIN
                        + " points");
        assertTrue(summary.formatRateFinal() >= 0.95, "format rate " + summary.formatRateFinal());
    }

    private static double mean(List<JsonNode> steps) {
        return steps.stream().mapToDouble(s -> s.get("reward_mean").asDouble()).average().orElse(0);
    }
}
