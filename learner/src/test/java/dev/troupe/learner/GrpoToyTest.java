package dev.troupe.learner;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.learner.algo.GrpoAdvantages;
import dev.troupe.learner.algo.KlEstimator;
import dev.troupe.learner.algo.LossAggregation;
import dev.troupe.learner.optim.LearningRateSchedule;
import dev.troupe.model.DecoderModel;
import dev.troupe.model.generate.BatchGenerator;
import dev.troupe.model.generate.GeneratedSequence;
import dev.troupe.model.generate.GenerationConfig;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * GRPO end to end on a toy with a known answer, with the real generator and trainer: the reward is
 * the share of generated tokens equal to one token id (about 1 in 230 at the start: the fixture
 * model is nearly uniform, hence the large learning rate), and it must rise.
 */
class GrpoToyTest {
    static final int TARGET = 42;
    static final int G = 8;

    @Test
    void rewardForOneTokenRises() {
        TrainerConfig config =
                new TrainerConfig(
                        new LearningRateSchedule(1e-2, 0, 100, 1.0),
                        0.0,
                        0.9,
                        0.999,
                        1e-8,
                        1.0,
                        64,
                        1,
                        1,
                        0.2,
                        0.2,
                        3.0,
                        0.0,
                        KlEstimator.K3,
                        LossAggregation.TOKEN_MEAN,
                        2.0,
                        64,
                        3,
                        false,
                        true);
        try (DecoderModel m = PolicyTrainerTest.model();
                LoraAdapter a =
                        LoraAdapter.create(
                                m, LoraConfig.of(8, 16, List.of("q_proj", "v_proj", "o_proj")), 1);
                PolicyTrainer t = new PolicyTrainer(m, a, config)) {
            BatchGenerator gen = new BatchGenerator(m);
            List<Double> rewards = new ArrayList<>();
            for (int step = 0; step < 60; step++) {
                List<int[]> prompts = new ArrayList<>();
                for (int p = 0; p < 6; p++) {
                    for (int k = 0; k < G; k++) {
                        prompts.add(new int[] {3 + p, 11, 12 + p});
                    }
                }
                List<GeneratedSequence> out =
                        gen.generate(
                                prompts,
                                new GenerationConfig(4, 1.0, 0, 1.0, step, Set.of(), 0),
                                a);
                float[] r = new float[out.size()];
                int[] groups = new int[out.size()];
                double mean = 0;
                for (int i = 0; i < out.size(); i++) {
                    int hits = 0;
                    for (int tok : out.get(i).tokens()) {
                        hits += tok == TARGET ? 1 : 0;
                    }
                    r[i] = hits / (float) out.get(i).length();
                    groups[i] = i / G;
                    mean += r[i];
                }
                rewards.add(mean / out.size());
                float[] adv = GrpoAdvantages.compute(r, groups, 1e-6, true);
                List<TrainSample> samples = new ArrayList<>();
                for (int i = 0; i < out.size(); i++) {
                    int[] p = prompts.get(i);
                    int[] c = out.get(i).tokens();
                    int[] all = new int[p.length + c.length];
                    System.arraycopy(p, 0, all, 0, p.length);
                    System.arraycopy(c, 0, all, p.length, c.length);
                    samples.add(
                            new TrainSample(
                                    step,
                                    i / G,
                                    i % G,
                                    all,
                                    p.length,
                                    out.get(i).logProbs(),
                                    adv[i]));
                }
                t.grpo(samples);
            }
            double first = rewards.subList(0, 5).stream().mapToDouble(x -> x).average().orElse(0);
            double last = rewards.subList(55, 60).stream().mapToDouble(x -> x).average().orElse(0);
            assertTrue(
                    last > first + 0.2,
                    "reward went from " + first + " to " + last + ": " + rewards);
        }
    }
}
