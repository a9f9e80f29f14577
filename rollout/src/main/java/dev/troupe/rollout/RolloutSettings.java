package dev.troupe.rollout;

import com.typesafe.config.Config;
import dev.troupe.proto.v1.SamplingParams;
import dev.troupe.runconfig.ConfigValues;
import java.util.Collection;

/**
 * How rollouts sample ({@code troupe.rollout}); {@code reference.conf} documents each key.
 *
 * @param workers rollout entities a step's prompts are spread over
 * @param groupSize completions per prompt
 * @param temperature sampling temperature, 0 for greedy
 * @param topK top-k, 0 for all
 * @param topP nucleus mass
 * @param maxNewTokens most tokens per completion
 * @param maxBatchSequences most sequences decoded together by one entity
 */
public record RolloutSettings(
        int workers,
        int groupSize,
        double temperature,
        int topK,
        double topP,
        int maxNewTokens,
        int maxBatchSequences) {

    public static final String SECTION = "troupe.rollout";

    /** Reads and checks {@code troupe.rollout}. */
    public static RolloutSettings from(Config root) {
        ConfigValues.rejectUnknownKeys(root, SECTION);
        String s = SECTION + ".";
        return new RolloutSettings(
                ConfigValues.intIn(root, s + "workers", 1, 4096),
                ConfigValues.intIn(root, s + "group-size", 1, 4096),
                ConfigValues.doubleIn(root, s + "temperature", 0, 100),
                ConfigValues.intIn(root, s + "top-k", 0, 1 << 24),
                ConfigValues.doubleIn(root, s + "top-p", 1e-9, 1),
                ConfigValues.intIn(root, s + "max-new-tokens", 1, 1 << 20),
                ConfigValues.intIn(root, s + "max-batch-sequences", 1, 1 << 20));
    }

    /** The sampling parameters of rollout requests, with the tokenizer's stop and pad ids. */
    public SamplingParams sampling(Collection<Integer> stopTokenIds, int padTokenId) {
        return SamplingParams.newBuilder()
                .setTemperature(temperature)
                .setTopK(topK)
                .setTopP(topP)
                .setMaxNewTokens(maxNewTokens)
                .addAllStopTokenIds(stopTokenIds)
                .setPadTokenId(padTokenId)
                .build();
    }
}
