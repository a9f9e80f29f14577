package dev.troupe.learner;

import dev.troupe.proto.v1.TrainSequence;

/**
 * One prompt + completion to learn from.
 *
 * @param step training step the prompt was drawn for
 * @param promptIndex the prompt's index in its step
 * @param sampleIndex the completion's index in its group
 * @param tokens prompt tokens followed by completion tokens
 * @param promptLength number of prompt tokens
 * @param rolloutLogProbs behaviour log-probability of each completion token, or an empty array
 * @param advantage the completion's advantage (GRPO; ignored by SFT)
 */
public record TrainSample(
        long step,
        int promptIndex,
        int sampleIndex,
        int[] tokens,
        int promptLength,
        float[] rolloutLogProbs,
        float advantage) {

    public TrainSample {
        if (promptLength < 1 || promptLength >= tokens.length) {
            throw new IllegalArgumentException(
                    "sample "
                            + step
                            + "/"
                            + promptIndex
                            + "/"
                            + sampleIndex
                            + ": needs at least one prompt"
                            + " and one completion token, got prompt "
                            + promptLength
                            + " of "
                            + tokens.length);
        }
        if (rolloutLogProbs.length != 0 && rolloutLogProbs.length != tokens.length - promptLength) {
            throw new IllegalArgumentException(
                    "sample "
                            + step
                            + "/"
                            + promptIndex
                            + "/"
                            + sampleIndex
                            + ": "
                            + rolloutLogProbs.length
                            + " rollout log-probs for "
                            + (tokens.length - promptLength)
                            + " completion tokens");
        }
        tokens = tokens.clone();
        rolloutLogProbs = rolloutLogProbs.clone();
    }

    /** The sample a {@code TrainSequence} of a train step carries. */
    public static TrainSample of(TrainSequence s) {
        float[] lp = new float[s.getRolloutLogProbsCount()];
        for (int i = 0; i < lp.length; i++) {
            lp[i] = s.getRolloutLogProbs(i);
        }
        return new TrainSample(
                s.getSampleId().getStep(),
                s.getSampleId().getPromptIndex(),
                s.getSampleId().getSampleIndex(),
                s.getTokensList().stream().mapToInt(Integer::intValue).toArray(),
                s.getPromptLength(),
                lp,
                s.getAdvantage());
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    @Override
    public float[] rolloutLogProbs() {
        return rolloutLogProbs.clone();
    }

    public int completionLength() {
        return tokens.length - promptLength;
    }
}
