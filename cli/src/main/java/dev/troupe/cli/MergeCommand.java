package dev.troupe.cli;

import dev.troupe.model.DecoderModel;
import dev.troupe.model.ModelLoader;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraMerge;
import dev.troupe.tensor.ComputeDevice;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Folds a LoRA adapter into its base model and writes a plain Hugging Face checkpoint. */
@Command(
        name = "merge",
        mixinStandardHelpOptions = true,
        description = "Merge a PEFT LoRA adapter into the base weights and export the checkpoint.")
final class MergeCommand implements Callable<Integer> {
    @Mixin ModelOptions modelOptions = new ModelOptions();

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--adapter", required = true, description = "PEFT LoRA adapter folder.")
    Path adapter;

    @Option(
            names = "--out",
            required = true,
            description = "Folder to write the merged checkpoint to.")
    Path out;

    @Override
    public Integer call() {
        ComputeDevice device = modelOptions.device();
        try (DecoderModel model =
                        ModelLoader.load(modelOptions.model, device, modelOptions.dtype(device));
                LoraAdapter lora = LoraAdapter.load(adapter, model)) {
            LoraMerge.export(model, lora, modelOptions.model, out);
        }
        spec.commandLine().getOut().println("merged checkpoint written to " + out);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
