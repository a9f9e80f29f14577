package dev.troupe.bench.gpu;

import dev.troupe.model.layers.Adapted;
import dev.troupe.model.layers.Linear;
import dev.troupe.model.layers.Ops;
import dev.troupe.model.lora.LoraWeights;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.NoGrad;
import dev.troupe.tensor.Tensors;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Host time per call of each operation of a LoRA-adapted linear layer (the decode path), at batch 1
 * and 512, to find where the adapter's cost per decode step goes: {@code GpuOpProbe}.
 */
public final class GpuOpProbe {
    private GpuOpProbe() {}

    public static void main(String[] args) {
        ComputeDevice dev =
                ComputeDevice.cudaAvailable() ? ComputeDevice.cuda(0) : ComputeDevice.CPU;
        DType act = dev.isCuda() ? DType.BF16 : DType.F32;
        try (NoGrad ng = new NoGrad();
                PointerScope outer = new PointerScope()) {
            Tensor w = rand(dev, act, 4864, 896);
            Tensor a = rand(dev, DType.F32, 16, 896);
            Tensor b = rand(dev, DType.F32, 4864, 16);
            Tensor aBf = Ops.to(a, act);
            Tensor bBf = Ops.to(b, act);
            LoraWeights lw = new LoraWeights(a, b, 16, 2.0, 0, 0.0);
            Linear base = new Linear(w, null);
            for (int batch : new int[] {1, 512}) {
                Tensor x = rand(dev, act, batch, 1, 896);
                Tensor x32 = Ops.to(x, DType.F32);
                Tensor t16 = torch.linear(x32, a);
                Tensor y = torch.linear(x, w);
                Tensor d32 = torch.linear(t16, b);
                time(dev, batch, "base linear bf16", () -> torch.linear(x, w));
                time(dev, batch, "cast x to fp32", () -> Ops.to(x, DType.F32));
                time(dev, batch, "linear x32 A", () -> torch.linear(x32, a));
                time(dev, batch, "linear t B (fp32)", () -> torch.linear(t16, b));
                time(dev, batch, "mul scaling", () -> Ops.mul(d32, 2.0));
                time(dev, batch, "add bf16 + fp32", () -> y.add(d32));
                time(dev, batch, "cast fp32 to bf16", () -> Ops.to(d32, act));
                time(
                        dev,
                        batch,
                        "Adapted.linear (fp32 LoRA)",
                        () -> Adapted.linear(x, base, lw, false));
                time(dev, batch, "bf16 LoRA: x A B", () -> torch.linear(torch.linear(x, aBf), bBf));
                time(dev, batch, "base linear bf16 (again)", () -> torch.linear(x, w));
            }
        }
    }

    private static Tensor rand(ComputeDevice dev, DType dtype, long... shape) {
        // Random, not zeros: zeros can take faster paths than real data.
        return Tensors.empty(dev, dtype, shape).normal_();
    }

    private static void time(ComputeDevice dev, int batch, String what, Supplier<Tensor> op) {
        for (int i = 0; i < 20; i++) {
            try (PointerScope s = new PointerScope()) {
                op.get();
            }
        }
        dev.synchronize();
        int n = 500;
        long t = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (PointerScope s = new PointerScope()) {
                op.get();
            }
        }
        long host = System.nanoTime() - t;
        dev.synchronize();
        long all = System.nanoTime() - t;
        System.out.printf(
                "B=%-4d %-30s host %8.1f us/call, with GPU %8.1f us/call%n",
                batch, what, host / 1e3 / n, all / 1e3 / n);
    }
}
