package dev.troupe.cli;

import java.util.OptionalLong;
import picocli.CommandLine.Option;

/** Checkpoint options of the commands that train (run, sft). */
final class TrainingOptions {
    @Option(names = "--resume", description = "Continue from the latest checkpoint in DIR.")
    boolean resume;

    @Option(
            names = "--stop-after-steps",
            paramLabel = "N",
            description =
                    "Stop with a checkpoint once the training phase (GRPO for run, SFT for sft) has"
                            + " done N steps.")
    Long stopAfter;

    OptionalLong stopAfterSteps() {
        return stopAfter == null ? OptionalLong.empty() : OptionalLong.of(stopAfter);
    }
}
