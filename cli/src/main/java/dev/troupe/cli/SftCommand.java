package dev.troupe.cli;

import dev.troupe.coordinator.Coordinator;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code troupe sft FILE}: supervised fine-tuning of the LoRA adapter on chat data. */
@Command(
        name = "sft",
        mixinStandardHelpOptions = true,
        description = {
            "Supervised fine-tuning (troupe.sft, data from troupe.data.sft), with held-out"
                    + " evaluations before and after.",
            "The adapter is in DIR/adapters/vN and DIR/checkpoints."
        })
final class SftCommand implements Callable<Integer> {
    @Mixin JobOptions job = new JobOptions();

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Run directory (default: runs/<config name>-sft).")
    Path out;

    @Mixin TrainingOptions training = new TrainingOptions();

    @Override
    public Integer call() {
        return RunCommand.execute(
                spec.commandLine().getOut(),
                job,
                Coordinator.Mode.SFT,
                out == null ? job.defaultOut("-sft") : out,
                training.resume,
                training.stopAfterSteps(),
                Optional.empty());
    }
}
