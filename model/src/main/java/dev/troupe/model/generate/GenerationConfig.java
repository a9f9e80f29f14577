package dev.troupe.model.generate;

import java.util.Set;

/**
 * How to continue prompts.
 *
 * @param maxNewTokens at most this many tokens per sequence
 * @param temperature 0 for greedy decoding; otherwise sampling at this temperature
 * @param topK keep the k most likely tokens, 0 for all
 * @param topP nucleus mass, 1 for all
 * @param seed seeds sampling: the same seed, prompts and adapter give the same tokens
 * @param stopTokenIds a sequence ends after emitting one of these (it is kept in the output)
 * @param padTokenId written after a sequence has ended, and used to left-pad prompts
 */
public record GenerationConfig(
        int maxNewTokens,
        double temperature,
        int topK,
        double topP,
        long seed,
        Set<Integer> stopTokenIds,
        int padTokenId) {

    public GenerationConfig {
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException("max_new_tokens must be > 0, got " + maxNewTokens);
        }
        if (temperature < 0) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
        }
        if (!(topP > 0) || topP > 1) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        stopTokenIds = Set.copyOf(stopTokenIds);
    }

    public static GenerationConfig greedy(int maxNewTokens, Set<Integer> stop, int pad) {
        return new GenerationConfig(maxNewTokens, 0, 0, 1, 0, stop, pad);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    public GenerationConfig withSeed(long s) {
        return new GenerationConfig(
                maxNewTokens, temperature, topK, topP, s, stopTokenIds, padTokenId);
    }
}
