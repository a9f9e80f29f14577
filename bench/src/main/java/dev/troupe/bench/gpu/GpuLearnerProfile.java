package dev.troupe.bench.gpu;

import dev.troupe.learner.optim.AdamW;
import dev.troupe.learner.optim.GradientClipping;
import dev.troupe.model.DecoderModel;
import dev.troupe.model.ModelLoader;
import dev.troupe.model.TokenLogProbs;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.NoGrad;
import dev.troupe.tensor.Tensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Where a learner step's time goes, part by part on a GPU: 16 sequences of 384 tokens (128 prompt)
 * through a rank-16 adapter on all linear layers, each part timed alone between device
 * synchronisations (median of repetitions): log-prob forward passes (with a padding mask or causal,
 * LM head over every position or only the completion's), forward + backward of a loss on the
 * log-probs (plain and with recomputed activations), gradient clipping, the AdamW step. Also the
 * host time of a forward pass (until its last launch returns, no synchronisation): close to the
 * synchronised time, the pass is bound by launching. {@code GpuLearnerProfile MODEL_DIR [chunk]};
 * prints milliseconds per part.
 */
public final class GpuLearnerProfile {
    private GpuLearnerProfile() {}

    private static final int SEQS = 16;
    private static final int LEN = 384;
    private static final int PROMPT = 128;

    public static void main(String[] args) {
        ComputeDevice dev = ComputeDevice.cuda(0);
        int chunk = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        try (DecoderModel model = ModelLoader.load(Path.of(args[0]), dev, DType.BF16);
                LoraAdapter adapter = GpuBenchmarks.benchAdapter(model);
                AdamW opt = new AdamW(adapter.peftTensors(), 0.9, 0.999, 1e-8, 0.0);
                PointerScope outer = new PointerScope();
                var d = dev.torchDevice()) {
            Random rnd = new Random(11);
            long[] ids = new long[SEQS * LEN];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = rnd.nextInt(model.spec().vocabSize());
            }
            float[] w = new float[SEQS * (LEN - 1)];
            for (int i = 0; i < w.length; i++) {
                w[i] = i % (LEN - 1) >= PROMPT - 1 ? (float) rnd.nextGaussian() : 0f;
            }
            Tensor input = Tensors.fromLongs(ids, SEQS, LEN).to(d, DType.I64.scalarType());
            Tensor mask = Tensors.ones(dev, DType.I64, SEQS, LEN);
            Tensor weights = Tensors.fromFloats(w, SEQS, LEN - 1).to(d, DType.F32.scalarType());
            System.out.printf(
                    "learner profile: %s, %d x %d tokens (%d prompt), LM-head chunk %d, %d LoRA"
                            + " tensors%n",
                    args[0], SEQS, LEN, PROMPT, chunk, adapter.parameters().size());
            for (boolean causal : new boolean[] {false, true}) {
                for (int from : new int[] {0, PROMPT - 1}) {
                    time(
                            String.format(
                                    "forward no-grad, %s, head from %d",
                                    causal ? "causal" : "padding mask", from),
                            dev,
                            () -> {
                                try (NoGrad ng = new NoGrad()) {
                                    TokenLogProbs.compute(
                                            model,
                                            input,
                                            causal ? null : mask,
                                            null,
                                            adapter,
                                            false,
                                            chunk,
                                            true,
                                            TokenLogProbs.Backward.PLAIN,
                                            0,
                                            from);
                                }
                            });
                }
            }
            for (TokenLogProbs.Backward backward : TokenLogProbs.Backward.values()) {
                for (boolean autocast : new boolean[] {false, true}) {
                    String what =
                            backward.name().toLowerCase(java.util.Locale.ROOT)
                                    + (autocast ? ", LoRA bf16" : ", LoRA fp32");
                    adapter.autocast(autocast);
                    java.util.function.Supplier<TokenLogProbs.Result> pass =
                            () ->
                                    TokenLogProbs.compute(
                                            model,
                                            input,
                                            null,
                                            null,
                                            adapter,
                                            true,
                                            chunk,
                                            true,
                                            backward,
                                            1,
                                            PROMPT - 1);
                    time("forward (autograd), " + what, dev, () -> discard(pass.get()));
                    time(
                            "forward + backward, " + what,
                            dev,
                            () -> {
                                opt.zeroGrad();
                                TokenLogProbs.Result r = pass.get();
                                r.logProbs().mul(weights).sum().backward();
                                r.finishBackward();
                            });
                }
            }
            time(
                    "gradient clipping",
                    dev,
                    () -> GradientClipping.clipByGlobalNorm(adapter.parameters(), 1.0));
            time("AdamW step", dev, () -> opt.step(1e-5));
            time("zero gradients", dev, opt::zeroGrad);
        }
    }

    /** Frees what a forward pass kept for a backward pass that will not come. */
    private static void discard(TokenLogProbs.Result r) {
        if (r.head() != null) {
            r.head().close();
        }
        if (r.recomputed() != null) {
            r.recomputed().close();
        }
    }

    /** Median milliseconds of {@code body} between synchronisations, and its host time. */
    private static void time(String name, ComputeDevice dev, Runnable body) {
        int reps = 7;
        double[] synced = new double[reps];
        double[] host = new double[reps];
        for (int i = -2; i < reps; i++) {
            try (PointerScope s = new PointerScope()) {
                dev.synchronize();
                long t0 = System.nanoTime();
                body.run();
                long t1 = System.nanoTime();
                dev.synchronize();
                long t2 = System.nanoTime();
                if (i >= 0) {
                    synced[i] = (t2 - t0) / 1e6;
                    host[i] = (t1 - t0) / 1e6;
                }
            }
        }
        Arrays.sort(synced);
        Arrays.sort(host);
        System.out.printf(
                "%-48s %9.2f ms  (host %8.2f ms)%n", name, synced[reps / 2], host[reps / 2]);
    }
}
