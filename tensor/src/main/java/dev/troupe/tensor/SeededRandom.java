package dev.troupe.tensor;

import org.bytedeco.pytorch.DimnameListOptional;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A seeded libtorch random generator on one device: the same seed gives the same numbers, run after
 * run. Its state can be saved and restored, so a resumed run draws what an uninterrupted one would
 * have.
 */
public final class SeededRandom implements AutoCloseable {
    private final ComputeDevice device;
    private final Generator generator;

    public SeededRandom(ComputeDevice device, long seed) {
        this.device = device;
        this.generator = Owned.keep(device.newGenerator(seed));
    }

    public ComputeDevice device() {
        return device;
    }

    /** The libtorch generator, for ops that take one. */
    public GeneratorOptional optional() {
        return new GeneratorOptional(generator);
    }

    /** Uniform samples in [low, high), fp32 on this generator's device. */
    public Tensor uniform(double low, double high, long... shape) {
        return Owned.compute(
                () -> {
                    Tensor u =
                            torch.rand(
                                    shape,
                                    optional(),
                                    new DimnameListOptional(),
                                    device.options(DType.F32));
                    return u.mul(new Scalar(high - low)).add(new Scalar(low));
                });
    }

    /** Normal samples, fp32 on this generator's device. */
    public Tensor normal(double mean, double std, long... shape) {
        return Owned.compute(
                () -> torch.normal(mean, std, shape, optional(), device.options(DType.F32)));
    }

    /** The generator state (a uint8 CPU tensor), to checkpoint. */
    public Tensor state() {
        return generator.get_state();
    }

    /** Restores a state from {@link #state()}. */
    public void restore(Tensor state) {
        generator.set_state(state);
    }

    @Override
    public void close() {
        Owned.release(generator);
    }
}
