package dev.troupe.bench.gpu;

import dev.troupe.model.DecoderModel;
import dev.troupe.model.ModelLoader;
import dev.troupe.model.generate.RandomSampler;
import dev.troupe.model.layers.KvCache;
import dev.troupe.model.layers.Ops;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.MergedLora;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.CudaGraph;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.NoGrad;
import dev.troupe.tensor.Owned;
import dev.troupe.tensor.SeededRandom;
import dev.troupe.tensor.Tensors;
import java.nio.file.Path;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Where a decode step's time goes, measured part by part on a GPU: one step of {@code batch}
 * sequences at cache position {@code length} of a {@code capacity}-slot indexed cache, with a
 * rank-16 adapter merged, each part recorded as its own CUDA graph and replayed (the layers; the LM
 * head; the whole step), and the sampling that runs outside the graph. {@code GpuDecodeProfile
 * MODEL_DIR [batch] [capacity] [length]}; prints milliseconds per part.
 */
public final class GpuDecodeProfile {
    private GpuDecodeProfile() {}

    public static void main(String[] args) {
        ComputeDevice dev = ComputeDevice.cuda(0);
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        int capacity = args.length > 2 ? Integer.parseInt(args[2]) : 384;
        int length = args.length > 3 ? Integer.parseInt(args[3]) : 256;
        try (DecoderModel model = ModelLoader.load(Path.of(args[0]), dev, DType.BF16);
                LoraAdapter adapter = GpuBenchmarks.benchAdapter(model);
                MergedLora merged = MergedLora.of(model, adapter);
                NoGrad ng = new NoGrad();
                KvCache cache = model.newCache(batch, capacity);
                SeededRandom random = new SeededRandom(dev, 5);
                PointerScope outer = new PointerScope()) {
            // Fill the cache up to `length` with a random prompt (one prefill pass).
            Random rnd = new Random(7);
            long[] ids = new long[batch * length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = rnd.nextInt(model.spec().vocabSize());
            }
            try (PointerScope s = new PointerScope();
                    var d = dev.torchDevice()) {
                model.hidden(
                        Tensors.fromLongs(ids, batch, length).to(d, DType.I64.scalarType()),
                        null,
                        null,
                        cache,
                        merged,
                        false);
            }
            cache.useIndexedWrites(dev);
            Tensor stepIds = Tensors.zeros(dev, DType.I64, batch, 1);
            Tensor position = Tensors.zeros(dev, DType.I64, batch, 1).add(Ops.s((long) length));
            Tensor keyValid = Tensors.zeros(dev, DType.I64, batch, capacity);
            keyValid.narrow(1, 0, length + 1).fill_(Ops.s(1L));
            Tensor[] hidden = new Tensor[1];
            Tensor[] logits = new Tensor[1];
            Runnable layers =
                    () ->
                            hold(
                                    hidden,
                                    model.hidden(
                                            stepIds, keyValid, position, cache, merged, false));
            Runnable head =
                    () ->
                            hold(
                                    logits,
                                    model.logits(
                                            hidden[0].narrow(1, 0, 1).squeeze(1), merged, false));
            Runnable step =
                    () -> {
                        layers.run();
                        head.run();
                    };
            try (CudaGraph gLayers = CudaGraph.capture(dev, layers);
                    CudaGraph gHead = CudaGraph.capture(dev, head);
                    CudaGraph gStep = CudaGraph.capture(dev, step)) {
                RandomSampler sampler = new RandomSampler(1.0, 0, 1.0, random);
                System.out.printf(
                        "%s: batch %d, cache %d of %d slots, adapter merged%n",
                        args[0], batch, length, capacity);
                report("decoder layers (graph)", dev, gLayers::replay);
                report("LM head (graph)", dev, gHead::replay);
                report("whole step (graph)", dev, gStep::replay);
                report(
                        "sampling + log-probs + tokens to host",
                        dev,
                        () -> {
                            try (PointerScope s = new PointerScope()) {
                                Tensor[] drawn = sampler.sampleWithLogProbs(logits[0]);
                                Tensors.toLongs(drawn[0]);
                                Tensors.toFloats(drawn[1]);
                            }
                        });
                report(
                        "whole step, eager (no graph)",
                        dev,
                        () -> {
                            try (PointerScope s = new PointerScope()) {
                                step.run();
                            }
                        });
            } finally {
                Owned.release(hidden[0], logits[0]);
            }
        }
    }

    private static void hold(Tensor[] slot, Tensor value) {
        Tensor kept = Owned.keep(value);
        if (slot[0] != null) {
            Owned.release(slot[0]);
        }
        slot[0] = kept;
    }

    private static void report(String what, ComputeDevice dev, Runnable r) {
        for (int i = 0; i < 5; i++) {
            r.run();
        }
        dev.synchronize();
        int n = 40;
        long t = System.nanoTime();
        for (int i = 0; i < n; i++) {
            r.run();
        }
        dev.synchronize();
        System.out.printf("  %-40s %8.3f ms%n", what, (System.nanoTime() - t) / 1e6 / n);
    }
}
