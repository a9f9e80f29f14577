package dev.troupe.coordinator;

import dev.troupe.coordinator.metrics.MetricNames;
import dev.troupe.learner.LearnerSettings;
import dev.troupe.learner.algo.GrpoAdvantages;
import dev.troupe.proto.v1.Completion;
import dev.troupe.proto.v1.SampleId;
import dev.troupe.proto.v1.TrainSequence;
import dev.troupe.proto.v1.TrainStep;
import dev.troupe.proto.v1.UpdateKind;
import dev.troupe.reward.RewardActor;
import dev.troupe.reward.RewardInput;
import dev.troupe.reward.builtin.FormatReward;
import dev.troupe.reward.builtin.Gsm8kCorrectnessReward;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pure parts of a GRPO step between rollout and learner: reward inputs per group, the accuracy
 * and format checks, group advantages over the groups the reward actors scored, the train batch and
 * the step's reward metrics. A group the reward actors dropped (a sample failed after the allowed
 * retries) is left out of the batch and counted.
 */
final class GrpoBatch {
    private GrpoBatch() {}

    /** What a prompt of the step is. */
    record StepPrompt(
            int index, String text, int[] tokens, String reference, Map<String, String> metadata) {}

    /** Per-sample checks of the run's own accuracy and format definitions. */
    record Checks(boolean[] correct, boolean[] formatted, int referenceErrors) {
        double accuracy() {
            return mean(correct);
        }

        double formatRate() {
            return mean(formatted);
        }

        private static double mean(boolean[] b) {
            int n = 0;
            for (boolean x : b) {
                n += x ? 1 : 0;
            }
            return b.length == 0 ? 0 : (double) n / b.length;
        }
    }

    /** Reward inputs, one list per prompt, in the order of {@code completions}. */
    static List<List<RewardInput>> rewardInputs(
            List<StepPrompt> prompts, List<Completion> completions, List<String> texts, int g) {
        List<List<RewardInput>> groups = new ArrayList<>();
        for (int p = 0; p < prompts.size(); p++) {
            StepPrompt prompt = prompts.get(p);
            List<RewardInput> group = new ArrayList<>(g);
            for (int k = 0; k < g; k++) {
                int i = p * g + k;
                SampleId id = completions.get(i).getSampleId();
                if (id.getPromptIndex() != prompt.index() || id.getSampleIndex() != k) {
                    // Rewards and advantages are matched to completions by position.
                    throw new IllegalStateException(
                            "completion "
                                    + i
                                    + " is sample "
                                    + id.getPromptIndex()
                                    + "/"
                                    + id.getSampleIndex()
                                    + ", expected "
                                    + prompt.index()
                                    + "/"
                                    + k
                                    + ": the rollouts returned completions out of order");
                }
                group.add(
                        new RewardInput(
                                prompt.text(),
                                texts.get(i),
                                prompt.reference(),
                                prompt.metadata(),
                                new dev.troupe.reward.SampleId(
                                        id.getStep(), id.getPromptIndex(), id.getSampleIndex())));
            }
            groups.add(group);
        }
        return groups;
    }

    /** Accuracy and format of every sample, by the run's eval definitions. */
    static Checks check(
            List<List<RewardInput>> groups,
            FormatReward format,
            Gsm8kCorrectnessReward correctness) {
        List<RewardInput> all = new ArrayList<>();
        groups.forEach(all::addAll);
        boolean[] correct = new boolean[all.size()];
        boolean[] formatted = new boolean[all.size()];
        int referenceErrors = 0;
        for (int i = 0; i < all.size(); i++) {
            RewardInput in = all.get(i);
            formatted[i] = format.score(in).score() > 0.5;
            try {
                correct[i] = correctness.score(in).score() > 0.5;
            } catch (RuntimeException e) {
                // A reference the checker cannot read: not correct, and counted, not fatal.
                referenceErrors++;
            }
        }
        return new Checks(correct, formatted, referenceErrors);
    }

    /** The train step and the step's reward metrics. */
    record Assembled(TrainStep step, Map<String, Double> metrics) {}

    static Assembled assemble(
            long step,
            List<StepPrompt> prompts,
            List<Completion> completions,
            List<RewardActor.ScoreReply> scores,
            int g,
            LearnerSettings.Grpo grpo) {
        Map<String, Double> m = new LinkedHashMap<>();
        List<Double> totals = new ArrayList<>();
        Map<String, List<Double>> perFunction = new LinkedHashMap<>();
        List<Float> rewards = new ArrayList<>();
        List<Integer> groupIds = new ArrayList<>();
        List<Integer> kept = new ArrayList<>();
        int dropped = 0;
        long errors = 0;
        for (int p = 0; p < prompts.size(); p++) {
            RewardActor.ScoreReply reply = scores.get(p);
            errors += reply.errorCounts().values().stream().mapToInt(Integer::intValue).sum();
            if (reply.outcome() != RewardActor.Outcome.SCORED) {
                dropped++;
                continue;
            }
            for (int k = 0; k < g; k++) {
                RewardActor.SampleScore s = reply.samples().get(k);
                double total = s.total().orElseThrow();
                totals.add(total);
                rewards.add((float) total);
                groupIds.add(p);
                kept.add(p * g + k);
                for (var f : s.functions()) {
                    perFunction
                            .computeIfAbsent(f.function(), x -> new ArrayList<>())
                            .add(f.score());
                }
            }
        }
        putMeanStd(m, MetricNames.REWARD_MEAN, MetricNames.REWARD_STD, totals);
        for (var e : perFunction.entrySet()) {
            putMeanStd(
                    m,
                    MetricNames.rewardMean(e.getKey()),
                    MetricNames.rewardStd(e.getKey()),
                    e.getValue());
        }
        m.put("reward_errors", (double) errors);
        m.put("groups_dropped", (double) dropped);
        float[] r = new float[rewards.size()];
        int[] gid = new int[rewards.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = rewards.get(i);
            gid[i] = groupIds.get(i);
        }
        float[] adv = GrpoAdvantages.compute(r, gid, grpo.advantageEps(), grpo.scaleRewards());
        TrainStep.Builder t =
                TrainStep.newBuilder().setStep(step).setKind(UpdateKind.UPDATE_KIND_GRPO);
        for (int j = 0; j < kept.size(); j++) {
            int i = kept.get(j);
            Completion c = completions.get(i);
            StepPrompt prompt = prompts.get(i / g);
            TrainSequence.Builder s =
                    TrainSequence.newBuilder()
                            .setSampleId(c.getSampleId())
                            .setPromptLength(prompt.tokens().length)
                            .addAllRolloutLogProbs(c.getLogProbsList())
                            .setAdvantage(adv[j]);
            for (int tok : prompt.tokens()) {
                s.addTokens(tok);
            }
            s.addAllTokens(c.getTokensList());
            t.addSequences(s);
        }
        return new Assembled(t.build(), m);
    }

    private static void putMeanStd(
            Map<String, Double> m, String meanName, String stdName, List<Double> xs) {
        double mean = 0;
        for (double x : xs) {
            mean += x;
        }
        mean = xs.isEmpty() ? 0 : mean / xs.size();
        double var = 0;
        for (double x : xs) {
            var += (x - mean) * (x - mean);
        }
        m.put(meanName, mean);
        m.put(stdName, xs.isEmpty() ? 0 : Math.sqrt(var / xs.size()));
    }
}
