package dev.troupe.learner;

import dev.troupe.proto.v1.TrainSequence;

/**
 * One token sequence to learn from: a prompt, then a completion whose tokens the loss is on, or
 * (SFT on a multi-turn conversation) a prompt, then several assistant replies with the turns
 * between them left out of the loss by {@link #lossMask}.
 *
 * @param step training step the prompt was drawn for
 * @param promptIndex the prompt's index in its step
 * @param sampleIndex the completion's index in its group
 * @param tokens prompt tokens followed by completion tokens
 * @param promptLength number of prompt tokens: the first loss token is at this index
 * @param lossMask one entry per token, true where the token is a training target; false before
 *     {@code promptLength}, true at it
 * @param rolloutLogProbs behaviour log-probability of each completion token (from {@code
 *     promptLength} on), or an empty array
 * @param advantage the completion's advantage (GRPO; ignored by SFT)
 */
public record TrainSample(
        long step,
        int promptIndex,
        int sampleIndex,
        int[] tokens,
        int promptLength,
        boolean[] lossMask,
        float[] rolloutLogProbs,
        float advantage) {

    public TrainSample {
        if (promptLength < 1 || promptLength >= tokens.length) {
            throw invalid(
                    step,
                    promptIndex,
                    sampleIndex,
                    "needs at least one prompt and one completion token, got prompt "
                            + promptLength
                            + " of "
                            + tokens.length);
        }
        if (lossMask.length != tokens.length) {
            throw invalid(
                    step,
                    promptIndex,
                    sampleIndex,
                    "loss mask has "
                            + lossMask.length
                            + " entries for "
                            + tokens.length
                            + " tokens");
        }
        for (int j = 0; j < promptLength; j++) {
            if (lossMask[j]) {
                throw invalid(
                        step,
                        promptIndex,
                        sampleIndex,
                        "token "
                                + j
                                + " is in the loss but lies in the prompt (prompt length "
                                + promptLength
                                + ")");
            }
        }
        if (!lossMask[promptLength]) {
            throw invalid(
                    step,
                    promptIndex,
                    sampleIndex,
                    "the completion's first token ("
                            + promptLength
                            + ") is not in the loss: the prompt length must be the first loss"
                            + " token's index");
        }
        if (rolloutLogProbs.length != 0 && rolloutLogProbs.length != tokens.length - promptLength) {
            throw invalid(
                    step,
                    promptIndex,
                    sampleIndex,
                    rolloutLogProbs.length
                            + " rollout log-probs for "
                            + (tokens.length - promptLength)
                            + " completion tokens");
        }
        tokens = tokens.clone();
        lossMask = lossMask.clone();
        rolloutLogProbs = rolloutLogProbs.clone();
    }

    /** A prompt followed by one completion, every completion token in the loss (GRPO). */
    public TrainSample(
            long step,
            int promptIndex,
            int sampleIndex,
            int[] tokens,
            int promptLength,
            float[] rolloutLogProbs,
            float advantage) {
        this(
                step,
                promptIndex,
                sampleIndex,
                tokens,
                promptLength,
                completionMask(tokens.length, promptLength),
                rolloutLogProbs,
                advantage);
    }

    /** The sample a {@code TrainSequence} of a train step carries. */
    public static TrainSample of(TrainSequence s) {
        float[] lp = new float[s.getRolloutLogProbsCount()];
        for (int i = 0; i < lp.length; i++) {
            lp[i] = s.getRolloutLogProbs(i);
        }
        int[] tokens = s.getTokensList().stream().mapToInt(Integer::intValue).toArray();
        boolean[] mask;
        if (s.getLossMaskCount() == 0) {
            mask = completionMask(tokens.length, s.getPromptLength());
        } else {
            mask = new boolean[s.getLossMaskCount()];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = s.getLossMask(i);
            }
        }
        return new TrainSample(
                s.getSampleId().getStep(),
                s.getSampleId().getPromptIndex(),
                s.getSampleId().getSampleIndex(),
                tokens,
                s.getPromptLength(),
                mask,
                lp,
                s.getAdvantage());
    }

    /** True from {@code promptLength} on; a bad length is left for the constructor to report. */
    private static boolean[] completionMask(int length, int promptLength) {
        boolean[] mask = new boolean[length];
        for (int j = Math.max(0, promptLength); j < length; j++) {
            mask[j] = true;
        }
        return mask;
    }

    private static IllegalArgumentException invalid(
            long step, int promptIndex, int sampleIndex, String what) {
        return new IllegalArgumentException(
                "sample " + step + "/" + promptIndex + "/" + sampleIndex + ": " + what);
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    @Override
    public boolean[] lossMask() {
        return lossMask.clone();
    }

    @Override
    public float[] rolloutLogProbs() {
        return rolloutLogProbs.clone();
    }

    /** Tokens from {@link #promptLength} on, in the loss or not. */
    public int completionLength() {
        return tokens.length - promptLength;
    }

    /** Tokens the loss is on. */
    public int lossTokens() {
        int n = 0;
        for (boolean b : lossMask) {
            n += b ? 1 : 0;
        }
        return n;
    }
}
