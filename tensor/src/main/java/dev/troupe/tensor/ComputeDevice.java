package dev.troupe.tensor;

import java.util.Locale;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;

/**
 * Where tensors live and kernels run. This is the one class that names device types: the rest of
 * Troupe asks it for tensor options and default dtypes, and never spells a device type itself.
 *
 * @param type the device family
 * @param index the device ordinal (0 for the CPU)
 */
public record ComputeDevice(Type type, int index) {

    /** Device families Troupe runs on. */
    public enum Type {
        CPU,
        CUDA
    }

    public ComputeDevice {
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0, got " + index);
        }
        if (type == Type.CPU && index != 0) {
            throw new IllegalArgumentException("the CPU device has index 0, got " + index);
        }
    }

    public static final ComputeDevice CPU = new ComputeDevice(Type.CPU, 0);

    public static ComputeDevice cuda(int index) {
        return new ComputeDevice(Type.CUDA, index);
    }

    /** Whether libtorch sees a CUDA device. */
    public static boolean cudaAvailable() {
        return torch.cuda_is_available();
    }

    public static int cudaDeviceCount() {
        return cudaAvailable() ? torch.cuda_device_count() : 0;
    }

    /** The first GPU when there is one, else the CPU. */
    public static ComputeDevice best() {
        return cudaAvailable() ? cuda(0) : CPU;
    }

    /**
     * Parses "cpu", "cuda", "cuda:N" or "auto".
     *
     * @throws IllegalArgumentException naming the bad value and the valid forms, or a CUDA device
     *     that is not present
     */
    public static ComputeDevice parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("auto")) {
            return best();
        }
        if (s.equals("cpu")) {
            return CPU;
        }
        if (s.equals("cuda") || s.startsWith("cuda:")) {
            int idx = 0;
            if (s.startsWith("cuda:")) {
                try {
                    idx = Integer.parseInt(s.substring(5));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            "bad device '" + spec + "': the index after 'cuda:' must be a number");
                }
                if (idx < 0) {
                    throw new IllegalArgumentException(
                            "bad device '" + spec + "': the index after 'cuda:' must be >= 0");
                }
            }
            int count = cudaDeviceCount();
            if (idx >= count) {
                throw new IllegalArgumentException(
                        "device '"
                                + spec
                                + "' is not present: libtorch sees "
                                + count
                                + " CUDA device(s)");
            }
            return cuda(idx);
        }
        throw new IllegalArgumentException(
                "bad device '" + spec + "' (valid: cpu, cuda, cuda:N, auto)");
    }

    public boolean isCuda() {
        return type == Type.CUDA;
    }

    /** The dtype weights and activations use by default here: fp32 on the CPU, bf16 on a GPU. */
    public DType defaultComputeDType() {
        return isCuda() ? DType.BF16 : DType.F32;
    }

    /** A new libtorch device handle; the caller owns it. */
    public Device torchDevice() {
        // libtorch's CPU device has no index (-1); "cpu:0" would not equal tensors' "cpu".
        return isCuda()
                ? new Device(DeviceType.CUDA, (byte) index)
                : new Device(DeviceType.CPU, (byte) -1);
    }

    /** New tensor options for this device and dtype; the caller owns them. */
    public TensorOptions options(DType dtype) {
        return new TensorOptions(dtype.scalarType()).device(new DeviceOptional(torchDevice()));
    }

    /**
     * A new random generator on this device, seeded; the caller owns it. Sampling ops need a
     * generator on the device of their input.
     */
    public org.bytedeco.pytorch.Generator newGenerator(long seed) {
        org.bytedeco.pytorch.Generator g;
        if (isCuda()) {
            // A private copy of the device's default generator. Through torch_cuda's
            // make_generator_cuda it would need JavaCPP's CUDA presets, which a node that links
            // Troupe against its own libtorch does not have.
            try (Device dev = torchDevice()) {
                org.bytedeco.pytorch.Generator shared = torch.globalContext().defaultGenerator(dev);
                g = new org.bytedeco.pytorch.Generator(shared.unsafeGetGeneratorImpl().clonePtr());
            }
        } else {
            g = torch.make_generator_cpu();
        }
        g.set_current_seed(seed);
        return g;
    }

    /**
     * Sets libtorch's intra-op CPU threads (0 keeps libtorch's default, one per core). On a busy or
     * small machine one thread is often fastest for small models: OpenMP threads that wait on each
     * other cost more than they give.
     */
    public static void setCpuThreads(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("CPU threads must be >= 0, got " + threads);
        }
        if (threads > 0) {
            torch.set_num_threads(threads);
        }
    }

    public static int cpuThreads() {
        return torch.get_num_threads();
    }

    /** Blocks until queued work on this device has finished (no-op on the CPU). */
    public void synchronize() {
        if (isCuda()) {
            torch.cuda_synchronize(index);
        }
    }

    @Override
    public String toString() {
        return isCuda() ? "cuda:" + index : "cpu";
    }
}
