package dev.troupe.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.learner.LearnerSettings;
import dev.troupe.learner.PolicyTrainer;
import dev.troupe.learner.TrainSample;
import dev.troupe.model.DecoderModel;
import dev.troupe.model.ModelLoader;
import dev.troupe.model.TokenLogProbs;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraConfig;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.model.tiny.TinyCheckpoint;
import dev.troupe.proto.v1.Completion;
import dev.troupe.proto.v1.GenerateReply;
import dev.troupe.proto.v1.GenerateRequest;
import dev.troupe.proto.v1.RolloutPrompt;
import dev.troupe.proto.v1.SamplingParams;
import dev.troupe.proto.v1.TrainStep;
import dev.troupe.reward.RewardActor;
import dev.troupe.rollout.RolloutEngine;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.NoGrad;
import dev.troupe.tensor.Tensors;
import dev.troupe.testkit.SlowTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.function.ToDoubleBiFunction;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GRPO path between rollout and learner on the quickstart's tiny model, with the real pieces a
 * run chains: {@link RolloutEngine} generates groups (prompts of different lengths, so different
 * left padding; several generation batches; completions stopped early and cut at the limit), {@link
 * GrpoBatch#assemble} turns them and their rewards into a train step, the step becomes {@link
 * TrainSample}s as the learner actor makes them, and {@link PolicyTrainer} updates the adapter in
 * several mini-batches and epochs, which the rollout then loads from its PEFT folder.
 *
 * <p>A fault that pairs a sample with another prompt's advantage, or shifts log-probs across
 * padding, passes a one-prompt toy but fails here: the learner's log-probs of the sampled tokens
 * must equal the rollout's, the trainer's gradient must equal the advantage-weighted sum of
 * per-sample gradients computed without any padding, and a contextual bandit (each prompt rewards
 * its own first token) must be learned per prompt.
 */
@SlowTest
class GrpoBanditTest {
    /** The tiny tokenizer's {@code <|endoftext|>}: EOS and padding. */
    static final int EOS = 97;

    static Path tinyModel(Path dir) {
        return TinyCheckpoint.write(dir.resolve("model"), TinyCheckpoint.Spec.DEFAULT, 1);
    }

    static DecoderModel load(Path model) {
        return ModelLoader.load(model, ComputeDevice.CPU, DType.F32);
    }

    static LearnerSettings settings(String overrides) {
        Config c =
                ConfigFactory.parseString(overrides)
                        .withFallback(ConfigFactory.defaultReference())
                        .resolve();
        return LearnerSettings.from(c);
    }

    /** Prompt {@code p}: {@code length} characters (ids 16 to 89), different per prompt. */
    static int[] prompt(int p, int length) {
        int[] t = new int[length];
        for (int j = 0; j < length; j++) {
            t[j] = 16 + (p * 7 + j * 13) % 74;
        }
        return t;
    }

    /** Prompts {@code 0..n-1} of the given lengths. */
    static List<int[]> prompts(int... lengths) {
        List<int[]> out = new ArrayList<>();
        for (int length : lengths) {
            out.add(prompt(out.size(), length));
        }
        return out;
    }

    /** Saves {@code adapter} as version {@code version} and makes the rollout use it. */
    static void publish(
            LoraAdapter adapter, RolloutEngine engine, Path dir, Path model, long version) {
        Path v = dir.resolve("adapters/v" + version);
        adapter.save(v, model.toString());
        engine.useAdapter(version, v);
    }

    static GenerateRequest request(
            long step, long version, List<int[]> prompts, int g, int maxNew, List<Integer> stop) {
        GenerateRequest.Builder r =
                GenerateRequest.newBuilder()
                        .setRequestId(step)
                        .setStep(step)
                        .setAdapterVersion(version)
                        .setSeed(1000 + 7919 * step)
                        .setSampling(
                                SamplingParams.newBuilder()
                                        .setTemperature(1.0)
                                        .setTopP(1)
                                        .setMaxNewTokens(maxNew)
                                        .setPadTokenId(EOS)
                                        .addAllStopTokenIds(stop));
        for (int p = 0; p < prompts.size(); p++) {
            RolloutPrompt.Builder b = RolloutPrompt.newBuilder().setPromptIndex(p).setGroupSize(g);
            for (int t : prompts.get(p)) {
                b.addTokens(t);
            }
            r.addPrompts(b);
        }
        return r.build();
    }

    /**
     * Scores every completion with {@code reward(prompt, completion tokens)}, assembles the step.
     */
    static List<TrainSample> assemble(
            long step,
            List<int[]> prompts,
            GenerateReply reply,
            int g,
            LearnerSettings settings,
            ToDoubleBiFunction<Integer, List<Integer>> reward) {
        List<GrpoBatch.StepPrompt> stepPrompts = new ArrayList<>();
        List<RewardActor.ScoreReply> scores = new ArrayList<>();
        for (int p = 0; p < prompts.size(); p++) {
            stepPrompts.add(new GrpoBatch.StepPrompt(p, "p" + p, prompts.get(p), "", Map.of()));
            List<RewardActor.SampleScore> s = new ArrayList<>();
            for (int k = 0; k < g; k++) {
                Completion c = reply.getCompletions(p * g + k);
                double r = reward.applyAsDouble(p, c.getTokensList());
                s.add(
                        new RewardActor.SampleScore(
                                new dev.troupe.reward.SampleId(step, p, k),
                                List.of(new RewardActor.FunctionScore("bandit", r, Map.of())),
                                OptionalDouble.of(r),
                                List.of()));
            }
            scores.add(new RewardActor.ScoreReply(p, RewardActor.Outcome.SCORED, 1, s));
        }
        TrainStep t =
                GrpoBatch.assemble(
                                step,
                                stepPrompts,
                                reply.getCompletionsList(),
                                scores,
                                g,
                                settings.grpo())
                        .step();
        // As the learner actor reads a TrainStep.
        return t.getSequencesList().stream().map(TrainSample::of).toList();
    }

    /** (1, T) int64 ids of one sequence. */
    static org.bytedeco.pytorch.Tensor row(int[] tokens) {
        long[] ids = new long[tokens.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokens[i];
        }
        return Tensors.fromLongs(ids, 1, ids.length);
    }

    /** (1, T-1) log-probs of one sequence's tokens, computed alone (no padding at all). */
    static org.bytedeco.pytorch.Tensor logProbs(
            DecoderModel m, LoraLookup lora, int[] tokens, boolean training) {
        return TokenLogProbs.compute(m, row(tokens), null, null, lora, training, 256, false)
                .logProbs();
    }

    /** Stop tokens: every eighth id, so completion lengths vary from 1 to the limit. */
    static List<Integer> everyEighthToken() {
        List<Integer> stop = new ArrayList<>();
        for (int t = 0; t < 100; t += 8) {
            stop.add(t);
        }
        return stop;
    }

    /** Log-probs of a sample's completion tokens, computed alone (no padding at all). */
    static float[] unpaddedLogProbs(DecoderModel m, LoraLookup lora, TrainSample s) {
        try (NoGrad noGrad = new NoGrad();
                PointerScope scope = new PointerScope()) {
            float[] all = Tensors.toFloats(logProbs(m, lora, s.tokens(), false));
            float[] out = new float[s.completionLength()];
            System.arraycopy(all, s.promptLength() - 1, out, 0, out.length);
            return out;
        }
    }

    /** Probability of each token as the first completion token of {@code prompt}. */
    static double[] firstTokenProbs(DecoderModel m, LoraLookup lora, int[] prompt) {
        try (NoGrad noGrad = new NoGrad();
                PointerScope scope = new PointerScope()) {
            var h = m.hidden(row(prompt), null, null, null, lora, false);
            var logits = m.logits(h.narrow(1, prompt.length - 1, 1), lora, false);
            float[] p = Tensors.toFloats(logits.softmax(-1));
            double[] out = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                out[i] = p[i];
            }
            return out;
        }
    }

    @Test
    void learnerLogProbsEqualRolloutLogProbsAcrossPaddingAndMiniBatches(@TempDir Path dir) {
        Path model = tinyModel(dir);
        int g = 4;
        int maxNew = 10;
        List<int[]> prompts = prompts(3, 9, 1, 14, 6, 11);
        List<Integer> stop = everyEighthToken();
        LearnerSettings settings =
                settings(
                        "troupe.grpo { epochs = 2, mini-batches = 3, importance-cap = 2.0,"
                                + " kl-beta = 0 }\n"
                                + "troupe.learner { micro-batch-size = 5, log-prob-chunk = 4,"
                                + " learning-rate = 1e-3 }");
        try (DecoderModel learnerModel = load(model);
                LoraAdapter adapter =
                        LoraAdapter.create(
                                learnerModel,
                                // B random too, so the adapter changes what the model computes.
                                LoraConfig.of(8, 16, List.of("all-linear")).withInit("false"),
                                3);
                PolicyTrainer trainer =
                        new PolicyTrainer(learnerModel, adapter, settings.grpoTrainer());
                RolloutEngine engine = new RolloutEngine(load(model), 7)) {
            publish(adapter, engine, dir, model, 0);
            GenerateReply reply = engine.generate(request(1, 0, prompts, g, maxNew, stop));
            int early = 0;
            int cut = 0;
            for (Completion c : reply.getCompletionsList()) {
                early += c.getStopped() && c.getTokensCount() < maxNew ? 1 : 0;
                cut += c.getStopped() ? 0 : 1;
            }
            assertTrue(early >= 3 && cut >= 3, early + " stopped early, " + cut + " cut");
            Random rewards = new Random(5);
            List<TrainSample> samples =
                    assemble(1, prompts, reply, g, settings, (p, c) -> rewards.nextInt(3));
            assertEquals(prompts.size() * g, samples.size());
            double maxGap = 0;
            for (TrainSample s : samples) {
                float[] learner = unpaddedLogProbs(learnerModel, adapter, s);
                float[] rollout = s.rolloutLogProbs();
                assertEquals(rollout.length, learner.length);
                for (int j = 0; j < rollout.length; j++) {
                    maxGap = Math.max(maxGap, Math.abs(rollout[j] - learner[j]));
                }
            }
            assertTrue(maxGap < 1e-4, "rollout vs learner (unpadded) log-prob gap " + maxGap);
            // The trainer's own pass over the right-padded batch, in micro-batches, before its
            // first update: the gap it reports is over every completion token.
            Map<String, Double> m = trainer.grpo(samples);
            assertTrue(
                    m.get("rollout_learner_log_prob_gap_max") < 1e-4,
                    "trainer's padded log-probs vs rollout: " + m);
        }
    }

    @Test
    void trainerGradientIsTheSumOfPerSampleGradients(@TempDir Path dir) {
        Path model = tinyModel(dir);
        int g = 3;
        List<int[]> prompts = prompts(5, 1, 12, 8);
        List<Integer> stop = everyEighthToken();
        // One on-policy pass, no clipping of any kind: the gradient is -sum_i A_i grad log p_i
        // over completion tokens, divided by their number.
        LearnerSettings settings =
                settings(
                        "troupe.grpo { epochs = 1, mini-batches = 1, importance-cap = 0,"
                                + " kl-beta = 0, loss-aggregation = token-mean }\n"
                                + "troupe.learner { micro-batch-size = 5, max-grad-norm = 0,"
                                + " log-prob-chunk = 3, learning-rate = 1e-3 }");
        try (DecoderModel learnerModel = load(model);
                LoraAdapter adapter =
                        LoraAdapter.create(
                                learnerModel,
                                LoraConfig.of(4, 8, List.of("all-linear")).withInit("false"),
                                3);
                PolicyTrainer trainer =
                        new PolicyTrainer(learnerModel, adapter, settings.grpoTrainer());
                RolloutEngine engine = new RolloutEngine(load(model), 5)) {
            publish(adapter, engine, dir, model, 0);
            GenerateReply reply = engine.generate(request(1, 0, prompts, g, 8, stop));
            Random rewards = new Random(11);
            List<TrainSample> samples =
                    assemble(1, prompts, reply, g, settings, (p, c) -> rewards.nextDouble());
            List<org.bytedeco.pytorch.Tensor> params = adapter.parameters();
            double tokens = samples.stream().mapToInt(TrainSample::completionLength).sum();
            for (TrainSample s : samples) {
                try (PointerScope scope = new PointerScope()) {
                    logProbs(learnerModel, adapter, s.tokens(), true)
                            .narrow(1, s.promptLength() - 1, s.completionLength())
                            .sum()
                            .mul(new org.bytedeco.pytorch.Scalar(-s.advantage() / tokens))
                            .backward();
                }
            }
            List<float[]> expected = new ArrayList<>();
            for (var p : params) {
                expected.add(Tensors.toFloats(p.grad()));
                p.grad().zero_();
            }
            trainer.grpo(samples);
            double maxDiff = 0;
            double maxAbs = 0;
            for (int i = 0; i < params.size(); i++) {
                float[] got = Tensors.toFloats(params.get(i).grad());
                float[] want = expected.get(i);
                for (int j = 0; j < want.length; j++) {
                    maxDiff = Math.max(maxDiff, Math.abs(got[j] - want[j]));
                    maxAbs = Math.max(maxAbs, Math.abs(want[j]));
                }
            }
            assertTrue(maxAbs > 1e-4, "gradient too small to compare: " + maxAbs);
            assertTrue(
                    maxDiff < 1e-4 * maxAbs,
                    "trainer vs per-sample gradient: max diff " + maxDiff + " of " + maxAbs);
        }
    }

    @Test
    void eachPromptLearnsItsOwnTargetToken(@TempDir Path dir) {
        Path model = tinyModel(dir);
        int g = 8;
        // Eight prompts of different lengths; four candidate first tokens ('a' to 'd').
        int[] candidates = {65, 66, 67, 68};
        List<int[]> prompts = prompts(2, 7, 4, 12, 1, 9, 5, 15);
        int[] target = new int[prompts.size()];
        for (int p = 0; p < target.length; p++) {
            target[p] = candidates[(p * 3 + 1) % candidates.length];
        }
        LearnerSettings settings =
                settings(
                        "troupe.sft { steps = 40, learning-rate = 1e-2, min-lr-ratio = 1.0 }\n"
                                + "troupe.grpo { epochs = 2, mini-batches = 4, kl-beta = 0 }\n"
                                + "troupe.learner { micro-batch-size = 12, learning-rate = 3e-4,"
                                + " min-lr-ratio = 1.0 }");
        try (DecoderModel learnerModel = load(model);
                LoraAdapter adapter =
                        LoraAdapter.create(
                                learnerModel, LoraConfig.of(8, 16, List.of("all-linear")), 3);
                RolloutEngine engine = new RolloutEngine(load(model), 24)) {
            // Warm start: every prompt answers one of the candidates, then EOS, with equal odds,
            // so each target starts near 1/4 and no prompt-blind policy can beat 1/4.
            try (PolicyTrainer sft =
                    new PolicyTrainer(learnerModel, adapter, settings.sftTrainer())) {
                for (int step = 0; step < 40; step++) {
                    List<TrainSample> batch = new ArrayList<>();
                    for (int p = 0; p < prompts.size(); p++) {
                        for (int c : candidates) {
                            int[] pt = prompts.get(p);
                            int[] all = new int[pt.length + 2];
                            System.arraycopy(pt, 0, all, 0, pt.length);
                            all[pt.length] = c;
                            all[pt.length + 1] = EOS;
                            batch.add(new TrainSample(step, p, c, all, pt.length, new float[0], 0));
                        }
                    }
                    sft.sft(batch);
                }
            }
            double[] before = new double[prompts.size()];
            for (int p = 0; p < prompts.size(); p++) {
                before[p] = firstTokenProbs(learnerModel, adapter, prompts.get(p))[target[p]];
                assertTrue(
                        before[p] > 0.1 && before[p] < 0.4,
                        "prompt " + p + " starts at " + before[p]);
            }
            try (PolicyTrainer grpo =
                    new PolicyTrainer(learnerModel, adapter, settings.grpoTrainer())) {
                for (int step = 0; step < 30; step++) {
                    publish(adapter, engine, dir, model, step);
                    GenerateReply reply =
                            engine.generate(request(step, step, prompts, g, 3, List.of(EOS)));
                    grpo.grpo(
                            assemble(
                                    step,
                                    prompts,
                                    reply,
                                    g,
                                    settings,
                                    (p, c) -> c.get(0) == target[p] ? 1 : 0));
                }
            }
            StringBuilder probs = new StringBuilder();
            double worst = 1;
            for (int p = 0; p < prompts.size(); p++) {
                double[] q = firstTokenProbs(learnerModel, adapter, prompts.get(p));
                worst = Math.min(worst, q[target[p]]);
                probs.append(
                        String.format("%n  prompt %d: %.3f -> %.3f", p, before[p], q[target[p]]));
            }
            // A prompt-blind policy cannot put more than 1/4 on every prompt's target at once.
            assertTrue(worst > 0.7, "each prompt's own target, before -> after:" + probs);
        }
    }
}
