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
 * @param adapter how generation applies the adapter
 */
public record RolloutSettings(
        int workers,
        int groupSize,
        double temperature,
        int topK,
        double topP,
        int maxNewTokens,
        int maxBatchSequences,
        AdapterForm adapter) {

    public static final String SECTION = "troupe.rollout";

    /** How generation applies the LoRA adapter ({@code troupe.rollout.adapter}). */
    public enum AdapterForm {
        /** Merged on a GPU, unmerged elsewhere. */
        AUTO,
        /** Folded into a copy of the adapted weights after every update ({@code MergedLora}). */
        MERGED,
        /** Base product plus the low-rank path, as the learner computes it. */
        UNMERGED
    }

    /** Whether generation on {@code gpu} (or not) uses merged weights. */
    public boolean mergeAdapter(boolean gpu) {
        return adapter == AdapterForm.MERGED || (adapter == AdapterForm.AUTO && gpu);
    }

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
                ConfigValues.intIn(root, s + "max-batch-sequences", 1, 1 << 20),
                ConfigValues.choice(root, s + "adapter", AdapterForm.class));
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
