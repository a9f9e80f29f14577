package dev.troupe.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import dev.troupe.learner.LearnerSettings;
import dev.troupe.proto.v1.Completion;
import dev.troupe.proto.v1.SampleId;
import dev.troupe.proto.v1.TrainSequence;
import dev.troupe.proto.v1.TrainStep;
import dev.troupe.reward.RewardActor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class GrpoBatchTest {
    static final LearnerSettings.Grpo GRPO =
            LearnerSettings.from(ConfigFactory.defaultReference()).grpo();

    static RewardActor.ScoreReply reply(int prompt, RewardActor.Outcome outcome, double... totals) {
        List<RewardActor.SampleScore> s = new ArrayList<>();
        for (int k = 0; k < totals.length; k++) {
            s.add(
                    new RewardActor.SampleScore(
                            new dev.troupe.reward.SampleId(5, prompt, k),
                            List.of(new RewardActor.FunctionScore("f", totals[k], Map.of())),
                            Double.isNaN(totals[k])
                                    ? OptionalDouble.empty()
                                    : OptionalDouble.of(totals[k]),
                            List.of()));
        }
        return new RewardActor.ScoreReply(prompt, outcome, 1, s);
    }

    @Test
    void advantagesPerGroupIdsKeptAndDroppedGroupsLeftOut() {
        List<GrpoBatch.StepPrompt> prompts = new ArrayList<>();
        List<Completion> completions = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            prompts.add(new GrpoBatch.StepPrompt(p, "q" + p, new int[] {1, 2 + p}, "1", Map.of()));
            for (int k = 0; k < 2; k++) {
                completions.add(
                        Completion.newBuilder()
                                .setSampleId(
                                        SampleId.newBuilder()
                                                .setStep(5)
                                                .setPromptIndex(p)
                                                .setSampleIndex(k))
                                .addTokens(10 + k)
                                .addTokens(99)
                                .addLogProbs(-0.5f)
                                .addLogProbs(-0.25f)
                                .build());
            }
        }
        List<RewardActor.ScoreReply> scores =
                List.of(
                        reply(0, RewardActor.Outcome.SCORED, 1.0, 0.0),
                        reply(1, RewardActor.Outcome.DROPPED, 1.0, Double.NaN),
                        reply(2, RewardActor.Outcome.SCORED, 3.0, 3.0));
        GrpoBatch.Assembled a = GrpoBatch.assemble(5, prompts, completions, scores, 2, GRPO);
        TrainStep t = a.step();
        assertEquals(4, t.getSequencesCount());
        // Sample ids travel unchanged, the dropped group's are absent.
        List<String> ids = new ArrayList<>();
        for (TrainSequence s : t.getSequencesList()) {
            ids.add(s.getSampleId().getPromptIndex() + "/" + s.getSampleId().getSampleIndex());
        }
        assertEquals(List.of("0/0", "0/1", "2/0", "2/1"), ids);
        // Group (1, 0): mean 0.5, unbiased std sqrt(0.5) -> +-0.5/(sqrt(0.5)+eps); (3, 3): 0.
        assertEquals(0.5 / (Math.sqrt(0.5) + 1e-6), t.getSequences(0).getAdvantage(), 1e-5);
        assertEquals(-0.5 / (Math.sqrt(0.5) + 1e-6), t.getSequences(1).getAdvantage(), 1e-5);
        assertEquals(0.0, t.getSequences(2).getAdvantage(), 1e-9);
        TrainSequence first = t.getSequences(0);
        assertEquals(List.of(1, 2, 10, 99), first.getTokensList());
        assertEquals(2, first.getPromptLength());
        assertEquals(List.of(-0.5f, -0.25f), first.getRolloutLogProbsList());
        assertEquals(1.0, a.metrics().get("groups_dropped"));
        assertEquals((1 + 0 + 3 + 3) / 4.0, a.metrics().get("reward_mean"), 1e-12);
        assertEquals(a.metrics().get("reward_mean"), a.metrics().get("reward_f_mean"));
    }

    static Completion completion(int prompt, int sample) {
        return Completion.newBuilder()
                .setSampleId(
                        SampleId.newBuilder()
                                .setStep(5)
                                .setPromptIndex(prompt)
                                .setSampleIndex(sample))
                .addTokens(10)
                .build();
    }

    @Test
    void completionsOutOfOrderAreRefusedNotMisattributed() {
        List<GrpoBatch.StepPrompt> prompts =
                List.of(new GrpoBatch.StepPrompt(0, "q", new int[] {1}, "1", Map.of()));
        IllegalStateException e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalStateException.class,
                        () ->
                                GrpoBatch.rewardInputs(
                                        prompts,
                                        List.of(completion(0, 1), completion(0, 0)),
                                        List.of("a", "b"),
                                        2));
        org.junit.jupiter.api.Assertions.assertTrue(
                e.getMessage().contains("is sample 0/1, expected 0/0"), e.getMessage());
    }

    @Test
    void accuracyAndFormatByTheRunsDefinitionsWithUnreadableReferencesCounted() {
        RunConfig config = RunConfig.from(ConfigFactory.empty(), "defaults");
        List<GrpoBatch.StepPrompt> prompts =
                List.of(
                        new GrpoBatch.StepPrompt(0, "q", new int[] {1}, "7", Map.of()),
                        new GrpoBatch.StepPrompt(1, "q", new int[] {1}, "no number", Map.of()));
        List<List<dev.troupe.reward.RewardInput>> groups =
                GrpoBatch.rewardInputs(
                        prompts,
                        List.of(
                                completion(0, 0),
                                completion(0, 1),
                                completion(1, 0),
                                completion(1, 1)),
                        List.of(
                                "<think>3+4</think><answer>7</answer>",
                                "<answer>7</answer>",
                                "<think>x</think><answer>7</answer>",
                                "nothing"),
                        2);
        GrpoBatch.Checks c =
                GrpoBatch.check(groups, config.eval().format(), config.eval().correctness());
        // Right answers: both of prompt 0 (format does not decide correctness); prompt 1's
        // reference cannot be read, so its samples are not correct and are counted.
        assertEquals(0.5, c.accuracy());
        assertEquals(0.5, c.formatRate());
        assertEquals(2, c.referenceErrors());
    }
}
