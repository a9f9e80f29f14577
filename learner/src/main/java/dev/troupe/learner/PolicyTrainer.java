package dev.troupe.learner;

import dev.troupe.learner.algo.ImportanceSampling;
import dev.troupe.learner.algo.PolicyLoss;
import dev.troupe.learner.internal.PaddedBatch;
import dev.troupe.learner.optim.AdamW;
import dev.troupe.learner.optim.GradientClipping;
import dev.troupe.model.DecoderModel;
import dev.troupe.model.TokenLogProbs;
import dev.troupe.model.layers.Ops;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.NoGrad;
import dev.troupe.tensor.Owned;
import dev.troupe.tensor.Tensors;
import dev.troupe.tensor.safetensors.SafetensorsFile;
import dev.troupe.tensor.safetensors.SafetensorsWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Updates a LoRA adapter on a frozen model: GRPO (the clipped surrogate of {@link PolicyLoss} on
 * group advantages, a KL term to the reference policy — the same model with the adapter off — and
 * truncated importance sampling against the rollout's log-probabilities) or SFT (cross-entropy on
 * the tokens of each sample's {@link TrainSample#lossMask()}: every assistant reply of a
 * conversation). One call is one batch: {@code epochs} passes, each split into {@code miniBatches}
 * optimiser steps, each accumulated over micro-batches whose losses are normalised by the whole
 * mini-batch, so the gradient is the same whatever the micro-batch size.
 *
 * <p>Not thread-safe: one thread drives a trainer (the learner actor's libtorch dispatcher).
 */
public final class PolicyTrainer implements AutoCloseable {
    private final DecoderModel model;
    private final LoraAdapter adapter;
    private final TrainerConfig config;
    private final LoraLookup reference;
    private final AdamW optimizer;
    private long updates;

    public PolicyTrainer(DecoderModel model, LoraAdapter adapter, TrainerConfig config) {
        this(model, adapter, config, LoraLookup.NONE);
    }

    /**
     * A trainer whose KL term is measured against {@code reference}: {@link LoraLookup#NONE} for
     * the base model, or a frozen copy of the adapter (the policy when GRPO started, e.g. after an
     * SFT warm start).
     */
    public PolicyTrainer(
            DecoderModel model, LoraAdapter adapter, TrainerConfig config, LoraLookup reference) {
        this.reference = reference;
        this.model = model;
        this.adapter = adapter;
        this.config = config;
        adapter.autocast(config.loraAutocast());
        this.optimizer =
                new AdamW(
                        adapter.peftTensors(),
                        config.beta1(),
                        config.beta2(),
                        config.adamEps(),
                        config.weightDecay());
    }

    public LoraAdapter adapter() {
        return adapter;
    }

    /** Batches trained on so far (the adapter's version counter). */
    public long updates() {
        return updates;
    }

    /** One GRPO batch. Returns metrics named as the run's metrics file names them. */
    public Map<String, Double> grpo(List<TrainSample> samples) {
        return train(samples, false);
    }

    /**
     * One SFT batch: {@code -log p(token | tokens before it)} on the tokens of each sample's {@link
     * TrainSample#lossMask()}, aggregated as the config says; the SFT phase's {@code token-mean} is
     * the mean over all loss tokens of the batch, as TRL's SFT loss with {@code
     * assistant_only_loss}.
     */
    public Map<String, Double> sft(List<TrainSample> samples) {
        return train(samples, true);
    }

    private Map<String, Double> train(List<TrainSample> samples, boolean sft) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("empty training batch");
        }
        long start = System.nanoTime();
        // LoRA dropout draws from the global generator: seed it per update, so a resumed run draws
        // what an uninterrupted one would.
        torch.manual_seed(config.seed() * 1_000_003L + updates);
        Map<String, Double> m = new LinkedHashMap<>();
        try (PaddedBatch batch = PaddedBatch.of(samples, model.device());
                PointerScope scope = new PointerScope()) {
            long n = batch.size();
            Tensor old = null;
            Tensor ref = null;
            Tensor weights = null;
            Stats stats = new Stats(model.device());
            // One pass over one mini-batch is on-policy: the log-probs before the update are
            // the ones the loss is computed with, so the extra no-grad pass is skipped and each
            // micro-batch uses its own detached log-probs (veRL does the same).
            boolean singlePass = config.epochs() == 1 && Math.min(config.miniBatches(), n) == 1;
            if (!sft) {
                try (NoGrad noGrad = new NoGrad()) {
                    if (!singlePass) {
                        old = logProbs(batch, adapter, false);
                    }
                    if (config.klBeta() > 0) {
                        ref = logProbs(batch, reference, false);
                    }
                }
                if (!singlePass && importanceOn(batch)) {
                    weights =
                            importance(
                                    old,
                                    batch.rolloutLogProbs(),
                                    batch.completionMask(),
                                    batch.completionTokens(),
                                    stats);
                }
            }
            int epochs = sft ? 1 : config.epochs();
            int miniBatches = sft ? 1 : (int) Math.min(config.miniBatches(), n);
            for (int epoch = 0; epoch < epochs; epoch++) {
                for (int mb = 0; mb < miniBatches; mb++) {
                    long from = n * mb / miniBatches;
                    long to = n * (mb + 1) / miniBatches;
                    stats.gradNorms.add(
                            miniBatchStep(batch, from, to, old, ref, weights, sft, stats));
                }
            }
            updates++;
            float[] v = stats.read();
            if (stats.isTokens > 0) {
                m.put("rollout_learner_log_prob_gap", v[Stats.IS_GAP] / stats.isTokens);
                m.put("rollout_learner_log_prob_gap_max", (double) v[Stats.IS_GAP_MAX]);
                m.put("importance_truncated_fraction", v[Stats.IS_TRUNCATED] / stats.isTokens);
            }
            double tokens = Math.max(stats.tokens, 1);
            m.put("loss", v[Stats.LOSS] / Math.max(1, (double) epochs * miniBatches));
            if (!sft) {
                m.put("clip_fraction", v[Stats.CLIP] / tokens);
                m.put("clip_fraction_lower", v[Stats.CLIP + 1] / tokens);
                m.put("ppo_kl", v[Stats.CLIP + 2] / tokens);
                if (ref != null) {
                    // Only measured with a reference pass (kl-beta > 0); absent, not 0, without.
                    m.put("kl", v[Stats.KL] / tokens);
                }
            }
            m.put("entropy", v[Stats.ENTROPY] / tokens);
            m.put(
                    "grad_norm",
                    stats.gradNorms.stream().mapToDouble(Double::doubleValue).average().orElse(0));
            m.put("learning_rate", stats.learningRate);
            m.put("response_length", (double) batch.completionTokens() / n);
            m.put("train_tokens", (double) batch.completionTokens());
        }
        m.put("learner_step_seconds", (System.nanoTime() - start) / 1e9);
        return m;
    }

    /**
     * Accumulators across micro-batches and passes, weighted by tokens. The per-token statistics
     * add up on the device and are read once, after the last backward pass: reading each as it is
     * computed would make the host wait for the GPU in the middle of every micro-batch, before it
     * launches the backward pass.
     */
    private static final class Stats {
        static final int CLIP = 0; // clip fraction, lower clip fraction, approximate KL
        static final int KL = 3;
        static final int ENTROPY = 4;
        static final int LOSS = 5;
        static final int IS_GAP = 6;
        static final int IS_TRUNCATED = 7;
        static final int IS_GAP_MAX = 8;

        /**
         * Token-weighted sums (the max slot: a maximum), fp32 on the model's device, in the scope
         * of the training call that made them.
         */
        private final Tensor sums;

        double tokens;
        double learningRate;
        double isTokens;
        final List<Double> gradNorms = new ArrayList<>();

        Stats(dev.troupe.tensor.ComputeDevice device) {
            sums = Tensors.zeros(device, DType.F32, 9);
        }

        /** Adds {@code values} into the sums from slot {@code at} on. */
        void add(int at, Tensor values) {
            try (NoGrad noGrad = new NoGrad()) {
                sums.narrow(0, at, values.size(0)).add_(values.detach());
            }
        }

        /** Keeps the largest {@code value} (1) seen in the max slot. */
        void maxGap(Tensor value) {
            try (NoGrad noGrad = new NoGrad()) {
                Tensor slot = sums.narrow(0, IS_GAP_MAX, 1);
                slot.copy_(torch.maximum(slot, value.detach()));
            }
        }

        /** The sums, read once (one wait for the GPU). */
        float[] read() {
            return Tensors.toFloats(sums);
        }
    }

    private double miniBatchStep(
            PaddedBatch batch,
            long from,
            long to,
            Tensor old,
            Tensor ref,
            Tensor weights,
            boolean sft,
            Stats stats) {
        optimizer.zeroGrad();
        double miniTokens = batch.lossTokens(from, to);
        long miniSequences = to - from;
        for (long mf = from; mf < to; mf += config.microBatchSize()) {
            long mt = Math.min(to, mf + config.microBatchSize());
            try (PointerScope s = new PointerScope()) {
                Tensor mask = PaddedBatch.rows(batch.completionMask(), mf, mt);
                double microTokens = batch.lossTokens(mf, mt);
                TokenLogProbs.Result lp =
                        TokenLogProbs.compute(
                                model,
                                PaddedBatch.rows(batch.ids(), mf, mt),
                                null, // right-padded: see PaddedBatch
                                null,
                                adapter,
                                true,
                                config.logProbChunk(),
                                true,
                                config.recomputeActivations()
                                        ? TokenLogProbs.Backward.RECOMPUTED
                                        : TokenLogProbs.Backward.DEFERRED_HEAD,
                                config.seed() * 1_000_003L + updates,
                                batch.firstLossPosition(mf, mt));
                Tensor logp = lp.logProbs();
                Tensor part;
                if (sft) {
                    part =
                            config.aggregation()
                                    .applyPart(
                                            logp.neg(),
                                            mask,
                                            miniTokens,
                                            miniSequences,
                                            batch.paddedLength());
                } else {
                    Tensor oldPart;
                    Tensor weightPart;
                    if (old != null) {
                        oldPart = PaddedBatch.rows(old, mf, mt);
                        weightPart = PaddedBatch.rows(weights, mf, mt);
                    } else {
                        oldPart = logp.detach();
                        weightPart =
                                importanceOn(batch)
                                        ? importance(
                                                oldPart,
                                                PaddedBatch.rows(batch.rolloutLogProbs(), mf, mt),
                                                mask,
                                                microTokens,
                                                stats)
                                        : null;
                    }
                    PolicyLoss.Result pl =
                            PolicyLoss.compute(
                                    logp,
                                    oldPart,
                                    PaddedBatch.rows(batch.advantages(), mf, mt),
                                    mask,
                                    config.clipLow(),
                                    config.clipHigh(),
                                    config.dualClip(),
                                    weightPart,
                                    null);
                    part =
                            config.aggregation()
                                    .applyPart(
                                            pl.perToken(),
                                            mask,
                                            miniTokens,
                                            miniSequences,
                                            batch.paddedLength());
                    stats.add(Stats.CLIP, pl.means().mul(Ops.s(microTokens)));
                    if (ref != null) {
                        Tensor klTokens = config.kl().estimate(logp, PaddedBatch.rows(ref, mf, mt));
                        stats.add(
                                Stats.KL,
                                PolicyLoss.maskedMeanOnDevice(klTokens, mask)
                                        .mul(Ops.s(microTokens))
                                        .unsqueeze(0));
                        part =
                                part.add(
                                        config.aggregation()
                                                .applyPart(
                                                        klTokens,
                                                        mask,
                                                        miniTokens,
                                                        miniSequences,
                                                        batch.paddedLength())
                                                .mul(new Scalar(config.klBeta())));
                    }
                }
                stats.add(
                        Stats.ENTROPY,
                        PolicyLoss.maskedMeanOnDevice(lp.entropy(), mask)
                                .mul(Ops.s(microTokens))
                                .unsqueeze(0));
                stats.add(Stats.LOSS, part.detach().to(DType.F32.scalarType()).unsqueeze(0));
                stats.tokens += microTokens;
                part.backward();
                lp.finishBackward();
            }
        }
        double norm = GradientClipping.clipByGlobalNorm(adapter.parameters(), config.maxGradNorm());
        double lr = config.schedule().at(optimizer.step());
        stats.learningRate = lr;
        optimizer.step(lr);
        return norm;
    }

    private boolean importanceOn(PaddedBatch batch) {
        return config.importanceCap() > 0 && batch.rolloutLogProbs() != null;
    }

    /**
     * Truncated importance weights of learner over rollout log-probs for {@code tokens} completion
     * tokens (the whole batch, or one micro-batch on the single-pass path), adding the measured gap
     * to {@code stats}.
     */
    private Tensor importance(
            Tensor learner, Tensor rollout, Tensor mask, double tokens, Stats stats) {
        ImportanceSampling.Result is =
                ImportanceSampling.truncated(learner, rollout, mask, config.importanceCap());
        Tensor g = is.gaps();
        stats.add(Stats.IS_GAP, g.narrow(0, 0, 1).mul(Ops.s(tokens)));
        stats.maxGap(g.narrow(0, 1, 1));
        stats.add(Stats.IS_TRUNCATED, g.narrow(0, 2, 1).mul(Ops.s(tokens)));
        stats.isTokens += tokens;
        return is.weights();
    }

    /** Log-probabilities of the batch's tokens, (N, T-1), computed in micro-batches. */
    private Tensor logProbs(PaddedBatch batch, LoraLookup lora, boolean training) {
        return Owned.compute(
                () -> {
                    List<Tensor> parts = new ArrayList<>();
                    for (long f = 0; f < batch.size(); f += config.microBatchSize()) {
                        long t = Math.min(batch.size(), f + config.microBatchSize());
                        parts.add(
                                TokenLogProbs.compute(
                                                model,
                                                PaddedBatch.rows(batch.ids(), f, t),
                                                null, // right-padded: see PaddedBatch
                                                null,
                                                lora,
                                                training,
                                                config.logProbChunk(),
                                                false,
                                                TokenLogProbs.Backward.PLAIN,
                                                0,
                                                batch.firstLossPosition(f, t))
                                        .logProbs());
                    }
                    return torch.cat(new TensorVector(parts.toArray(new Tensor[0])), 0);
                });
    }

    /** Writes the adapter (PEFT layout) and the optimiser state to {@code dir}. */
    public void save(Path dir, String baseModel) {
        adapter.save(dir.resolve("adapter"), baseModel);
        SafetensorsWriter.write(
                dir.resolve("optimizer.safetensors"),
                optimizer.state(),
                Map.of(
                        "optimizer_steps",
                        Long.toString(optimizer.step()),
                        "updates",
                        Long.toString(updates)));
    }

    /**
     * Restores the optimiser state and update count written by {@link #save} (the adapter itself is
     * loaded by whoever built this trainer).
     */
    public void loadOptimizer(Path dir) {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("optimizer.safetensors"));
                PointerScope scope = new PointerScope()) {
            Map<String, Tensor> state = new LinkedHashMap<>();
            for (String name : f.names()) {
                state.put(name, f.load(name));
            }
            optimizer.load(
                    state, Long.parseLong(f.metadata().getOrDefault("optimizer_steps", "0")));
            updates = Long.parseLong(f.metadata().getOrDefault("updates", "0"));
        }
    }

    @Override
    public void close() {
        optimizer.close();
    }
}
