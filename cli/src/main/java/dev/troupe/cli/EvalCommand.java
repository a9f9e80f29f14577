package dev.troupe.cli;

import dev.troupe.coordinator.Coordinator;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code troupe eval FILE}: held-out accuracy and format rate of the model, with an adapter. */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description =
                "Held-out evaluation (troupe.eval) of the base model or of a PEFT adapter; writes DIR/eval.json.")
final class EvalCommand implements Callable<Integer> {
    @Mixin JobOptions job = new JobOptions();

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Output directory (default: runs/<config name>-eval).")
    Path out;

    @Option(
            names = "--adapter",
            paramLabel = "DIR",
            description = "PEFT adapter folder to evaluate (e.g. RUN/adapters/v300).")
    Path adapter;

    @Override
    public Integer call() {
        return RunCommand.execute(
                spec.commandLine().getOut(),
                job,
                Coordinator.Mode.EVAL,
                out == null ? job.defaultOut("-eval") : out,
                false,
                OptionalLong.empty(),
                Optional.ofNullable(adapter));
    }
}
