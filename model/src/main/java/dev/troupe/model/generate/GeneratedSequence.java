package dev.troupe.model.generate;

/**
 * One continuation.
 *
 * @param tokens the new token ids (ending with the stop token when {@code stopped})
 * @param logProbs per token, its log-probability under the sampling distribution (see {@link
 *     TokenSampler#logProbs})
 * @param stopped true if a stop token ended it, false if it ran into max_new_tokens
 */
public record GeneratedSequence(int[] tokens, float[] logProbs, boolean stopped) {
    public GeneratedSequence {
        tokens = tokens.clone();
        logProbs = logProbs.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    @Override
    public float[] logProbs() {
        return logProbs.clone();
    }

    public int length() {
        return tokens.length;
    }
}
