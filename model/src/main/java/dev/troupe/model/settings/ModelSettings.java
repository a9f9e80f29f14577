package dev.troupe.model.settings;

import com.typesafe.config.Config;
import dev.troupe.runconfig.ConfigValues;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the policy model comes from and where it runs ({@code troupe.model}).
 *
 * @param path checkpoint folder, empty when the tiny model is built
 * @param device device spec: auto, cpu, cuda or cuda:N
 * @param dtype compute dtype name, or "auto"
 * @param cpuThreads libtorch CPU threads, 0 for one per core
 * @param tiny the tiny model built when {@code path} is empty
 */
public record ModelSettings(
        Optional<Path> path, String device, String dtype, int cpuThreads, TinyModel tiny) {

    public static final String SECTION = "troupe.model";

    /**
     * Shape of the tiny char-level model ({@code troupe.model.tiny}).
     *
     * @param hiddenSize hidden size
     * @param intermediateSize MLP inner size
     * @param layers decoder layers
     * @param heads attention heads
     * @param kvHeads key/value heads
     * @param maxPositions longest sequence
     * @param initializerRange std of the random init
     * @param seed seed of the weights
     */
    public record TinyModel(
            int hiddenSize,
            int intermediateSize,
            int layers,
            int heads,
            int kvHeads,
            int maxPositions,
            double initializerRange,
            long seed) {}

    /** Reads and checks {@code troupe.model}; fails naming the key on a bad value. */
    public static ModelSettings from(Config root) {
        ConfigValues.rejectUnknownKeys(root, SECTION);
        String p = root.getString(SECTION + ".path").trim();
        String device = root.getString(SECTION + ".device").trim();
        try {
            if (!device.equals("auto")) {
                ComputeDevice.parse(device);
            }
        } catch (IllegalArgumentException e) {
            throw ConfigValues.badValue(root, SECTION + ".device", e.getMessage());
        }
        String dtype = root.getString(SECTION + ".dtype").trim();
        if (!dtype.equals("auto")) {
            try {
                DType.parse(dtype);
            } catch (IllegalArgumentException e) {
                throw ConfigValues.badValue(root, SECTION + ".dtype", e.getMessage());
            }
        }
        int threads = ConfigValues.intIn(root, SECTION + ".cpu-threads", 0, 1024);
        String t = SECTION + ".tiny.";
        int hidden = ConfigValues.intIn(root, t + "hidden-size", 8, 1 << 16);
        int heads = ConfigValues.intIn(root, t + "heads", 1, 1024);
        int kvHeads = ConfigValues.intIn(root, t + "kv-heads", 1, 1024);
        if (hidden % heads != 0 || (hidden / heads) % 2 != 0) {
            throw ConfigValues.badValue(
                    root,
                    t + "heads",
                    "hidden-size " + hidden + " must split into " + heads + " heads of even size");
        }
        if (heads % kvHeads != 0) {
            throw ConfigValues.badValue(
                    root, t + "kv-heads", kvHeads + " does not divide heads " + heads);
        }
        TinyModel tiny =
                new TinyModel(
                        hidden,
                        ConfigValues.intIn(root, t + "intermediate-size", 1, 1 << 18),
                        ConfigValues.intIn(root, t + "layers", 1, 256),
                        heads,
                        kvHeads,
                        ConfigValues.intIn(root, t + "max-positions", 16, 1 << 20),
                        ConfigValues.doubleIn(root, t + "initializer-range", 1e-6, 10),
                        root.getLong(t + "seed"));
        return new ModelSettings(
                p.isEmpty() ? Optional.empty() : Optional.of(Path.of(p)),
                device,
                dtype,
                threads,
                tiny);
    }

    /** The device to run on; "auto" picks the first GPU if there is one. */
    public ComputeDevice computeDevice() {
        ComputeDevice.setCpuThreads(cpuThreads);
        return device.equals("auto") ? ComputeDevice.best() : ComputeDevice.parse(device);
    }

    /** The compute dtype on {@code d}. */
    public DType computeDType(ComputeDevice d) {
        return dtype.equals("auto") ? d.defaultComputeDType() : DType.parse(dtype);
    }
}
