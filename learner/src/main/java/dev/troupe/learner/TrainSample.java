package dev.troupe.learner;

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
