package dev.troupe.learner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.learner.algo.KlEstimator;
import dev.troupe.learner.algo.LossAggregation;
import dev.troupe.learner.optim.LearningRateSchedule;
import dev.troupe.model.DecoderModel;
import dev.troupe.model.ModelLoader;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraConfig;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import dev.troupe.testkit.RepoPaths;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyTrainerTest {
    @TempDir Path tmp;

    static final List<String> TARGETS = List.of("q_proj", "v_proj", "o_proj", "down_proj");

    static TrainerConfig config(
            int micro, int miniBatches, int epochs, double klBeta, LossAggregation agg) {
        return new TrainerConfig(
                new LearningRateSchedule(1e-2, 0, 100, 0.0),
                0.0,
                0.9,
                0.99,
                1e-8,
                1.0,
                micro,
                miniBatches,
                epochs,
                0.2,
                0.28,
                3.0,
                klBeta,
                KlEstimator.K3,
                agg,
                2.0,
                3,
                11,
                false,
                true);
    }

    static DecoderModel model() {
        return ModelLoader.load(RepoPaths.fixture("hf", "qwen2"), ComputeDevice.CPU, DType.F32);
    }

    static LoraAdapter adapter(DecoderModel m, String init) {
        return LoraAdapter.create(m, LoraConfig.of(4, 8, TARGETS).withInit(init), 5);
    }

    /** Six samples of one step: two groups of three, varied lengths, advantages of both signs. */
    static List<TrainSample> samples() {
        List<TrainSample> out = new ArrayList<>();
        int[][] seqs = {
            {5, 9, 11, 200, 7, 42, 8}, {5, 9, 11, 17, 3}, {5, 9, 11, 99, 98, 97, 96, 95},
            {30, 31, 40, 41}, {30, 31, 50, 51, 52, 53}, {30, 31, 60}
        };
        int[] prompt = {3, 3, 3, 2, 2, 2};
        float[] adv = {1.2f, -0.4f, -0.8f, 0.9f, 0.1f, -1.0f};
        for (int i = 0; i < seqs.length; i++) {
            float[] lp = new float[seqs[i].length - prompt[i]];
            java.util.Arrays.fill(lp, -5.0f);
            out.add(new TrainSample(1, i / 3, i % 3, seqs[i], prompt[i], lp, adv[i]));
        }
        return out;
    }

    static Map<String, float[]> snapshot(LoraAdapter a) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        for (var e : a.peftTensors().entrySet()) {
            out.put(e.getKey(), Tensors.toFloats(e.getValue()));
        }
        return out;
    }

    @Test
    void shouldGiveTheSameUpdateWhateverTheMicroBatchSize() {
        for (LossAggregation agg : LossAggregation.values()) {
            Map<String, float[]> whole;
            Map<String, float[]> parts;
            try (DecoderModel m = model()) {
                try (LoraAdapter a = adapter(m, "false");
                        PolicyTrainer t = new PolicyTrainer(m, a, config(6, 1, 1, 0.05, agg))) {
                    t.grpo(samples());
                    whole = snapshot(a);
                }
                try (LoraAdapter a = adapter(m, "false");
                        PolicyTrainer t = new PolicyTrainer(m, a, config(2, 1, 1, 0.05, agg))) {
                    t.grpo(samples());
                    parts = snapshot(a);
                }
            }
            for (String k : whole.keySet()) {
                assertArrayEquals(whole.get(k), parts.get(k), 2e-6f, agg + " " + k);
            }
        }
    }

    static TrainerConfig recomputing(TrainerConfig c) {
        return copy(c, c.maxGradNorm(), true);
    }

    /** {@code c} with another gradient-clipping norm and recomputation setting. */
    static TrainerConfig copy(TrainerConfig c, double maxGradNorm, boolean recompute) {
        return new TrainerConfig(
                c.schedule(),
                c.weightDecay(),
                c.beta1(),
                c.beta2(),
                c.adamEps(),
                maxGradNorm,
                c.microBatchSize(),
                c.miniBatches(),
                c.epochs(),
                c.clipLow(),
                c.clipHigh(),
                c.dualClip(),
                c.klBeta(),
                c.kl(),
                c.aggregation(),
                c.importanceCap(),
                c.logProbChunk(),
                c.seed(),
                recompute,
                c.loraAutocast());
    }

    @Test
    void shouldGiveTheSameUpdatesWithRecomputedActivations() {
        // Activation checkpointing changes what is kept, never the gradients: two GRPO updates
        // (several micro- and mini-batches, two epochs, a KL term) and one SFT update agree.
        TrainerConfig plain = config(2, 2, 2, 0.05, LossAggregation.SEQ_MEAN_TOKEN_MEAN);
        Map<String, float[]> expected;
        Map<String, float[]> actual;
        Map<String, Double> plainMetrics;
        Map<String, Double> recomputedMetrics;
        try (DecoderModel m = model()) {
            try (LoraAdapter a = adapter(m, "false");
                    PolicyTrainer t = new PolicyTrainer(m, a, plain)) {
                t.grpo(samples());
                plainMetrics = t.grpo(samples());
                t.sft(samples());
                expected = snapshot(a);
            }
            try (LoraAdapter a = adapter(m, "false");
                    PolicyTrainer t = new PolicyTrainer(m, a, recomputing(plain))) {
                t.grpo(samples());
                recomputedMetrics = t.grpo(samples());
                t.sft(samples());
                actual = snapshot(a);
            }
        }
        for (String k : expected.keySet()) {
            assertArrayEquals(expected.get(k), actual.get(k), 2e-6f, k);
        }
        for (String k : List.of("loss", "grad_norm", "kl", "entropy", "clip_fraction")) {
            assertEquals(plainMetrics.get(k), recomputedMetrics.get(k), 1e-5, k);
        }
        assertTrue(plainMetrics.get("grad_norm") > 0, "the update must not be empty");
    }

    @Test
    void shouldLeaveTheAdapterUnchangedWhenEveryAdvantageIsZero() {
        // Groups whose completions all scored alike carry no signal: no KL term, no update.
        List<TrainSample> flat = new ArrayList<>();
        for (TrainSample x : samples()) {
            flat.add(
                    new TrainSample(
                            x.step(),
                            x.promptIndex(),
                            x.sampleIndex(),
                            x.tokens(),
                            x.promptLength(),
                            x.rolloutLogProbs(),
                            0f));
        }
        try (DecoderModel m = model();
                LoraAdapter a = adapter(m, "false");
                PolicyTrainer t =
                        new PolicyTrainer(m, a, config(4, 1, 1, 0.0, LossAggregation.TOKEN_MEAN))) {
            Map<String, float[]> before = snapshot(a);
            t.grpo(flat);
            t.grpo(flat);
            Map<String, float[]> after = snapshot(a);
            for (String k : before.keySet()) {
                assertArrayEquals(before.get(k), after.get(k), 0f, k);
            }
        }
    }

    @Test
    void shouldMeasureKlAgainstTheGivenReference() {
        try (DecoderModel m = model();
                LoraAdapter a = adapter(m, "true")) {
            // A warm start moves the adapter away from the base model.
            try (PolicyTrainer sft =
                    new PolicyTrainer(m, a, config(6, 1, 1, 0.0, LossAggregation.TOKEN_MEAN))) {
                for (int i = 0; i < 5; i++) {
                    sft.sft(samples());
                }
            }
            try (LoraAdapter frozen = LoraAdapter.create(m, a.config(), 0)) {
                try (org.bytedeco.javacpp.PointerScope scope =
                                new org.bytedeco.javacpp.PointerScope();
                        dev.troupe.tensor.NoGrad noGrad = new dev.troupe.tensor.NoGrad()) {
                    for (var e : frozen.peftTensors().entrySet()) {
                        e.getValue().copy_(a.peftTensors().get(e.getKey()));
                    }
                }
                double toStart;
                double toBase;
                try (PolicyTrainer t =
                        new PolicyTrainer(
                                m, a, config(6, 1, 1, 0.1, LossAggregation.TOKEN_MEAN), frozen)) {
                    toStart = t.grpo(samples()).get("kl");
                }
                try (PolicyTrainer t =
                        new PolicyTrainer(m, a, config(6, 1, 1, 0.1, LossAggregation.TOKEN_MEAN))) {
                    toBase = t.grpo(samples()).get("kl");
                }
                // The policy at GRPO's start is its own reference: KL 0 before the first update.
                assertEquals(0.0, toStart, 1e-7);
                assertTrue(toBase > 1e-4, "KL to the base model after a warm start: " + toBase);
            }
        }
    }

    @Test
    void shouldChangeEveryLoraParameterAndLowerSftLoss() {
        try (DecoderModel m = model();
                LoraAdapter a = adapter(m, "true");
                PolicyTrainer t =
                        new PolicyTrainer(m, a, config(3, 1, 1, 0.0, LossAggregation.TOKEN_MEAN))) {
            Map<String, float[]> before = snapshot(a);
            double first = t.sft(samples()).get("loss");
            double last = first;
            for (int i = 0; i < 15; i++) {
                last = t.sft(samples()).get("loss");
            }
            assertTrue(last < first * 0.8, "SFT loss went from " + first + " to " + last);
            Map<String, float[]> after = snapshot(a);
            for (String k : before.keySet()) {
                assertTrue(
                        !java.util.Arrays.equals(before.get(k), after.get(k)), "unchanged: " + k);
            }
            assertEquals(16, t.updates());
        }
    }

    @Test
    void shouldRaiseTheLikelihoodOfPositiveAdvantagesAndLowerNegativeOnes() {
        try (DecoderModel m = model();
                LoraAdapter a = adapter(m, "false");
                PolicyTrainer t =
                        new PolicyTrainer(
                                m, a, config(6, 1, 1, 0.0, LossAggregation.SEQ_MEAN_TOKEN_MEAN))) {
            List<TrainSample> s = samples();
            double[] before = sequenceLogProbs(m, a, s);
            Map<String, Double> metrics = t.grpo(s);
            double[] after = sequenceLogProbs(m, a, s);
            float[] adv = {1.2f, -0.4f, -0.8f, 0.9f, 0.1f, -1.0f};
            for (int i = 0; i < adv.length; i++) {
                if (Math.abs(adv[i]) > 0.3) {
                    assertEquals(
                            Math.signum(adv[i]), Math.signum(after[i] - before[i]), "sample " + i);
                }
            }
            // The rollout's log-probs (-5) are far from the learner's: truncated IS caps the
            // weights.
            assertTrue(metrics.get("rollout_learner_log_prob_gap") > 0);
            assertTrue(metrics.get("grad_norm") > 0 && metrics.get("learning_rate") > 0);
        }
    }

    @Test
    void shouldMeasureNoKlWhileTheAdapterIsStillZero() {
        try (DecoderModel m = model();
                LoraAdapter a = adapter(m, "true");
                PolicyTrainer t =
                        new PolicyTrainer(m, a, config(6, 1, 1, 0.1, LossAggregation.TOKEN_MEAN))) {
            Map<String, Double> first = t.grpo(samples());
            assertEquals(0.0, first.get("kl"), 1e-7);
            Map<String, Double> second = t.grpo(samples());
            assertTrue(second.get("kl") > 0, "KL after an update: " + second.get("kl"));
        }
    }

    @Test
    void shouldResumeFromACheckpointWithTheSameNextUpdate() {
        try (DecoderModel m = model()) {
            Map<String, float[]> uninterrupted;
            try (LoraAdapter a = adapter(m, "false");
                    PolicyTrainer t =
                            new PolicyTrainer(
                                    m, a, config(3, 2, 2, 0.05, LossAggregation.TOKEN_MEAN))) {
                t.grpo(samples());
                t.save(tmp.resolve("ckpt"), "base");
                t.grpo(samples());
                uninterrupted = snapshot(a);
            }
            try (LoraAdapter a = LoraAdapter.load(tmp.resolve("ckpt").resolve("adapter"), m);
                    PolicyTrainer t =
                            new PolicyTrainer(
                                    m, a, config(3, 2, 2, 0.05, LossAggregation.TOKEN_MEAN))) {
                t.loadOptimizer(tmp.resolve("ckpt"));
                assertEquals(1, t.updates());
                t.grpo(samples());
                Map<String, float[]> resumed = snapshot(a);
                for (String k : uninterrupted.keySet()) {
                    assertArrayEquals(uninterrupted.get(k), resumed.get(k), 0f, k);
                }
            }
        }
    }

    /**
     * A two-reply conversation in ChatML ids (1 = im_start, 2 = im_end, 10 = newline): user,
     * assistant (tokens 9-12), user, assistant (23-25), and the newline after the last im_end. The
     * loss is on both replies with their im_end, and on nothing else.
     */
    static final int[] MULTI_TURN = {
        1, 17, 18, 19, 2, 10, 1, 20, 10, 30, 31, 32, 2, 10, 1, 17, 21, 22, 2, 10, 1, 20, 10, 40, 41,
        2, 10
    };

    /** Positions of the log-probs (position j predicts token j + 1) of the replies' tokens. */
    static final int[] MULTI_TURN_LOSS_POSITIONS = {8, 9, 10, 11, 22, 23, 24};

    static TrainSample multiTurn(int[] tokens) {
        boolean[] mask = new boolean[tokens.length];
        for (int j : MULTI_TURN_LOSS_POSITIONS) {
            mask[j + 1] = true;
        }
        return new TrainSample(2, 0, 0, tokens, 9, mask, new float[0], 0f);
    }

    static TrainerConfig withoutClipping(TrainerConfig c) {
        return copy(c, 0.0, c.recomputeActivations());
    }

    /** The LoRA gradients left by the last backward pass, by PEFT name. */
    static Map<String, float[]> gradients(LoraAdapter a) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            for (var e : a.peftTensors().entrySet()) {
                out.put(e.getKey(), Tensors.toFloats(e.getValue().grad()));
            }
        }
        return out;
    }

    @Test
    void shouldPutTheSftLossOnEveryAssistantReplyAndNothingElse() {
        TrainSample sample = multiTurn(MULTI_TURN);
        try (DecoderModel m = model();
                LoraAdapter a = adapter(m, "false")) {
            // The reference, by hand: the mean over the replies' positions of -log p, and its
            // gradient with respect to the adapter at its starting point.
            double expectedLoss = 0;
            Map<String, float[]> expectedGradients;
            try (org.bytedeco.javacpp.PointerScope scope =
                    new org.bytedeco.javacpp.PointerScope()) {
                long[] ids = new long[MULTI_TURN.length];
                for (int j = 0; j < ids.length; j++) {
                    ids[j] = MULTI_TURN[j];
                }
                float[] weights = new float[MULTI_TURN.length - 1];
                for (int j : MULTI_TURN_LOSS_POSITIONS) {
                    weights[j] = 1f / MULTI_TURN_LOSS_POSITIONS.length;
                }
                Tensor logp =
                        dev.troupe.model.TokenLogProbs.compute(
                                        m,
                                        Tensors.fromLongs(ids, 1, ids.length),
                                        null,
                                        null,
                                        a,
                                        true,
                                        8,
                                        false)
                                .logProbs();
                float[] values = Tensors.toFloats(logp.detach());
                for (int j : MULTI_TURN_LOSS_POSITIONS) {
                    expectedLoss -= values[j] / MULTI_TURN_LOSS_POSITIONS.length;
                }
                logp.mul(Tensors.fromFloats(weights, 1, weights.length)).sum().neg().backward();
                expectedGradients = gradients(a);
                for (Tensor p : a.parameters()) {
                    p.grad().zero_();
                }
            }
            Map<String, Double> metrics;
            try (PolicyTrainer t =
                    new PolicyTrainer(
                            m,
                            a,
                            withoutClipping(config(1, 1, 1, 0.0, LossAggregation.TOKEN_MEAN)))) {
                metrics = t.sft(List.of(sample));
            }
            assertEquals(expectedLoss, metrics.get("loss"), 1e-5);
            assertEquals(MULTI_TURN_LOSS_POSITIONS.length, metrics.get("train_tokens"), 0.0);
            // AdamW zeroes gradients before a step, not after: they are the update's gradients.
            Map<String, float[]> actual = gradients(a);
            double norm = 0;
            for (String k : expectedGradients.keySet()) {
                float[] want = expectedGradients.get(k);
                float scale = 0;
                for (float g : want) {
                    scale = Math.max(scale, Math.abs(g));
                    norm += (double) g * g;
                }
                assertArrayEquals(want, actual.get(k), 1e-4f * scale + 1e-9f, k);
            }
            assertTrue(norm > 0, "the replies must give the adapter a gradient");
        }
    }

    /** A fresh adapter's tensors after one SFT step on the multi-turn sample with these tokens. */
    private static Map<String, float[]> afterOneSftStep(DecoderModel m, int[] tokens) {
        try (LoraAdapter a = adapter(m, "false");
                PolicyTrainer t =
                        new PolicyTrainer(m, a, config(1, 1, 1, 0.0, LossAggregation.TOKEN_MEAN))) {
            t.sft(List.of(multiTurn(tokens)));
            return snapshot(a);
        }
    }

    @Test
    void shouldIgnoreTheTargetsOfTokensOutsideTheLoss() {
        // The last token (the newline after the last im_end) is only ever a target, never an
        // input to a scored position: changing it must change nothing, since it is not in the
        // loss. Counting it would move the update.
        int[] changed = MULTI_TURN.clone();
        changed[changed.length - 1] = 77;
        Map<String, float[]> original;
        Map<String, float[]> other;
        try (DecoderModel m = model()) {
            original = afterOneSftStep(m, MULTI_TURN);
            other = afterOneSftStep(m, changed);
        }
        for (String k : original.keySet()) {
            assertArrayEquals(original.get(k), other.get(k), 0f, k);
        }
    }

    static double[] sequenceLogProbs(DecoderModel m, LoraAdapter a, List<TrainSample> samples) {
        double[] out = new double[samples.size()];
        try (var batch = dev.troupe.learner.internal.PaddedBatch.of(samples, ComputeDevice.CPU);
                org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope();
                dev.troupe.tensor.NoGrad ng = new dev.troupe.tensor.NoGrad()) {
            Tensor lp =
                    dev.troupe.model.TokenLogProbs.compute(
                                    m, batch.ids(), batch.attention(), null, a, false, 8, false)
                            .logProbs();
            float[] v = Tensors.toFloats(lp.mul(batch.completionMask()));
            int per = (int) (batch.paddedLength() - 1);
            for (int i = 0; i < out.length; i++) {
                for (int j = 0; j < per; j++) {
                    out[i] += v[i * per + j];
                }
            }
        }
        return out;
    }
}
