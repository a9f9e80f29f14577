package dev.troupe.cli;

import dev.troupe.coordinator.Coordinator;
import dev.troupe.coordinator.RunConfig;
import dev.troupe.coordinator.RunJob;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code troupe run FILE --out DIR}: an SFT warm start (if configured), then GRPO. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Run GRPO (after an SFT warm start if troupe.sft.steps > 0), with held-out evaluations"
                    + " before and after.",
            "Writes DIR/metrics.jsonl, TensorBoard events, checkpoints and DIR/summary.json."
        })
final class RunCommand implements Callable<Integer> {
    @Mixin JobOptions job = new JobOptions();

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Run directory (default: runs/<config name>).")
    Path out;

    @Mixin TrainingOptions training = new TrainingOptions();

    @Override
    public Integer call() {
        return execute(
                spec.commandLine().getOut(),
                job,
                Coordinator.Mode.RUN,
                out == null ? job.defaultOut("") : out,
                training.resume,
                training.stopAfterSteps(),
                Optional.empty());
    }

    static int execute(
            PrintWriter console,
            JobOptions job,
            Coordinator.Mode mode,
            Path out,
            boolean resume,
            OptionalLong stopAfter,
            Optional<Path> adapter) {
        RunConfig config = job.load();
        Coordinator.Outcome outcome =
                RunJob.run(config, new RunJob.Request(mode, out, resume, stopAfter, adapter));
        console.println(outcome.message());
        outcome.summary()
                .ifPresent(
                        s ->
                                console.printf(
                                        "accuracy_before %.1f%%  accuracy_after %.1f%%  format_rate_final %.3f  wall_seconds %.0f  (%s)%n",
                                        s.accuracyBefore(),
                                        s.accuracyAfter(),
                                        s.formatRateFinal(),
                                        s.wallSeconds(),
                                        out.resolve("summary.json")));
        console.flush();
        return 0;
    }
}
