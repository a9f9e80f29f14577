package dev.troupe.cli;

import dev.troupe.model.DecoderModel;
import dev.troupe.model.ModelLoader;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.tensor.ComputeDevice;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** Loads a checkpoint and describes it: what the config means once normalised, and its size. */
@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        description = "Load a checkpoint and print its architecture and parameter count.")
final class InfoCommand implements Callable<Integer> {
    @Mixin ModelOptions modelOptions = new ModelOptions();

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ComputeDevice device = modelOptions.device();
        try (DecoderModel model =
                ModelLoader.load(modelOptions.model, device, modelOptions.dtype(device))) {
            DecoderSpec s = model.spec();
            long params = dev.troupe.model.HubState.parameterCount(model);
            out.println(s);
            out.printf("parameters: %,d%n", params);
            out.printf("device: %s, dtype: %s%n", device, model.dtype());
            if (!model.unusedCheckpointKeys().isEmpty()) {
                out.println("unused checkpoint tensors: " + model.unusedCheckpointKeys());
            }
            out.flush();
        }
        return 0;
    }
}
