package dev.troupe.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.model.config.Architectures;
import dev.troupe.model.config.DecoderSpec;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.SeededRandom;
import dev.troupe.tensor.Tensors;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * New models with random weights, initialised as transformers' {@code _init_weights} does for these
 * families: matrices ~ N(0, initializer_range), norm weights 1, biases 0. Troupe makes its own
 * small models this way (the embedded default, benchmarks), from a {@code config.json}.
 */
public final class RandomModels {
    private RandomModels() {}

    /**
     * A random model of the architecture {@code config} describes.
     *
     * @param config a Hugging Face config.json (its {@code initializer_range} sets the std; 0.02 if
     *     absent)
     */
    public static DecoderModel create(
            JsonNode config, long seed, ComputeDevice device, DType dtype) {
        DecoderSpec spec = Architectures.specOf(config, Path.of("<config>"));
        double std = config.path("initializer_range").asDouble(0.02);
        try (SeededRandom rng = new SeededRandom(ComputeDevice.CPU, seed)) {
            return ModelLoader.build(spec, new RandomWeights(rng, std), device, dtype);
        }
    }

    /**
     * Writes a random checkpoint (config.json + safetensors) to {@code folder}.
     *
     * @param dtype the dtype stored on disk
     */
    public static void writeCheckpoint(Path folder, JsonNode config, long seed, DType dtype) {
        try (DecoderModel model = create(config, seed, ComputeDevice.CPU, dtype);
                PointerScope scope = new PointerScope()) {
            CheckpointWriter.write(folder, config, HubState.of(model), 2L << 30);
        }
    }

    private record RandomWeights(SeededRandom rng, double std)
            implements ModelLoader.WeightProvider {
        @Override
        public boolean has(String name) {
            return false;
        }

        @Override
        public Tensor get(String name, long... shape) {
            if (name.endsWith("norm.weight")) {
                return Tensors.ones(ComputeDevice.CPU, DType.F32, shape);
            }
            if (name.endsWith(".bias")) {
                return Tensors.zeros(ComputeDevice.CPU, DType.F32, shape);
            }
            return rng.normal(0, std, shape);
        }
    }
}
