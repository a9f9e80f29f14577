package dev.troupe.bench.gpu;

import dev.troupe.model.DecoderModel;
import dev.troupe.model.ModelLoader;
import dev.troupe.model.generate.BatchGenerator;
import dev.troupe.model.generate.GenerationConfig;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraConfig;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/**
 * Why the adapter costs so much more per decode step in generation than its operations do alone:
 * the same 512-sequence generation with the adapter as made, again, with its tensors no longer
 * requiring grad, and without the adapter. {@code GpuLoraProbe MODEL_DIR}.
 */
public final class GpuLoraProbe {
    private GpuLoraProbe() {}

    public static void main(String[] args) {
        ComputeDevice dev =
                ComputeDevice.cudaAvailable() ? ComputeDevice.cuda(0) : ComputeDevice.CPU;
        DType dtype = dev.isCuda() ? DType.BF16 : DType.F32;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int newTokens = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        try (DecoderModel model = ModelLoader.load(Path.of(args[0]), dev, dtype);
                LoraAdapter adapter =
                        LoraAdapter.create(
                                model,
                                LoraConfig.of(16, 32, GpuBenchmarks.TARGETS).withInit("false"),
                                3)) {
            BatchGenerator gen = new BatchGenerator(model);
            List<int[]> ps =
                    GpuBenchmarks.prompts(model.spec().vocabSize(), n, GpuBenchmarks.GROUP, 128, 7);
            run(dev, gen, ps, newTokens, adapter, "lora (requires grad), first");
            run(dev, gen, ps, newTokens, adapter, "lora (requires grad), second");
            for (Tensor t : adapter.parameters()) {
                t.requires_grad_(false);
            }
            run(dev, gen, ps, newTokens, adapter, "lora (no grad)");
            run(dev, gen, ps, newTokens, LoraLookup.NONE, "base");
            for (Tensor t : adapter.parameters()) {
                t.requires_grad_(true);
            }
            run(dev, gen, ps, newTokens, adapter, "lora (requires grad), third");
        }
    }

    private static void run(
            ComputeDevice dev,
            BatchGenerator gen,
            List<int[]> ps,
            int newTokens,
            LoraLookup lora,
            String what) {
        GenerationConfig c = new GenerationConfig(newTokens, 1.0, 0, 1.0, 5, Set.of(), 0);
        dev.synchronize();
        long t = System.nanoTime();
        gen.generate(ps, c, lora);
        dev.synchronize();
        double s = (System.nanoTime() - t) / 1e9;
        System.out.printf(
                "%-32s %7.2f s  %8.0f tok/s  %7.2f ms/step%n",
                what, s, ps.size() * (double) newTokens / s, s * 1e3 / newTokens);
    }
}
