package dev.troupe.cli;

import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a model comes from and where it runs, shared by the subcommands. */
final class ModelOptions {
    @Option(
            names = "--model",
            required = true,
            description =
                    "Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer files).")
    Path model;

    @Option(
            names = "--device",
            defaultValue = "auto",
            description =
                    "cpu, cuda, cuda:N or auto (the first GPU if there is one). Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(
            names = "--dtype",
            description =
                    "Compute dtype: float32, bfloat16, float16. Default: float32 on CPU, bfloat16 on GPU.")
    String dtype;

    @Option(
            names = "--threads",
            defaultValue = "0",
            description = "libtorch CPU threads (0: one per core). Default: ${DEFAULT-VALUE}.")
    int threads;

    ComputeDevice device() {
        ComputeDevice.setCpuThreads(threads);
        return ComputeDevice.parse(device);
    }

    DType dtype(ComputeDevice d) {
        return dtype == null ? d.defaultComputeDType() : DType.parse(dtype);
    }
}
